import { RapportError } from '../../shared/errors.js';

/**
 * The answer to a workspace asking to reach private addresses (`allowPrivate: true`, accepted
 * before the operator's allow list existed): only the server operator opens private ranges.
 * @example if (body.allowPrivate === true) throw operatorOnly('allowPrivate');
 */
export function operatorOnly(field: string): RapportError {
  const message = 'private and loopback destinations are opened by the server operator (RAPPORT_OUTBOUND_ALLOW), not per destination; remove allowPrivate or send false';
  return new RapportError('outbound.operator_only', message, [{ field, rule: 'operator', message }]);
}
