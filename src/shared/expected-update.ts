import { RapportError, type FieldIssue } from './errors.js';

/*
 * The optional "what I read" of a whole-object save (`expectedUpdatedAt`): an editor sends the
 * updatedAt it started from, or `never` for settings it read before anyone saved them, and the
 * store writes only over that (a compare-and-set); a client that sends nothing overwrites.
 */

/**
 * The time a save expects the stored copy to have: undefined (no check), null (`never`: none
 * stored yet, where `allowNever`) or epoch ms; anything else is the client's error naming the field.
 * @example expectedUpdatedAt('2026-03-01T09:00:00.000Z', 'the brand') // 1772355600000
 */
export function expectedUpdatedAt(text: string | undefined, what: string, allowNever = true): number | null | undefined {
  if (text === undefined) return undefined;
  if (allowNever && text === 'never') return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) {
    const also = allowNever ? ' (or never)' : '';
    throw new RapportError('invalid_request', `expectedUpdatedAt "${text.slice(0, 40)}" is not a date-time${also}; send the updatedAt ${what} was read with`, [
      { field: 'expectedUpdatedAt', rule: 'format', message: `the updatedAt you read (ISO-8601)${also}` },
    ]);
  }
  return at;
}

/**
 * The message and issue of the 409 a save made from an older copy answers, naming what is stored
 * now (`never` when nothing is); spread into the RapportError of the concept's code.
 * @example throw new RapportError('brand.edit_conflict', ...staleEdit('the brand', stored?.updatedAt));
 */
export function staleEdit(what: string, storedAt: number | undefined): [string, FieldIssue[]] {
  const at = storedAt === undefined ? 'never' : new Date(storedAt).toISOString();
  return [`${what} was saved by someone else (at ${at}); reload it and apply your edit again`, [{ field: 'expectedUpdatedAt', rule: 'conflict', message: at }]];
}
