import { describe, expect, it } from 'vitest';
import { insertAfter, issuesByNode, issueTarget, removeNode, renameNode, TRIGGER_ID, type JourneyDefinition } from '../../app/src/screens/journeys/model.js';

/* The canvas's model: edits keep the graph connected, and the API's issue paths land on the step they concern. */

const definition: JourneyDefinition = {
  name: 'Cart',
  trigger: { type: 'event', event: 'Product Added', entryKey: 'cart_id' },
  start: 'wait',
  nodes: [
    { id: 'wait', type: 'wait_event', event: 'Product Added', matchKey: 'cart_id', timeout: { amount: 1, unit: 'hours' }, next: 'wait', timeoutNext: 'mail' },
    { id: 'mail', type: 'send', channel: 'email', templateId: 'cart-reminder', next: 'done' },
    { id: 'done', type: 'exit' },
  ],
};

describe('journey canvas model', () => {
  it('maps issue paths to the node and field they name', () => {
    expect(issueTarget(definition, 'nodes[1].templateId')).toEqual({ nodeId: 'mail', field: 'templateId' });
    expect(issueTarget(definition, 'nodes.0.timeout.amount')).toEqual({ nodeId: 'wait', field: 'timeout.amount' });
    expect(issueTarget(definition, 'nodes[0]')).toEqual({ nodeId: 'wait', field: '' });
    expect(issueTarget(definition, 'trigger.event')).toEqual({ nodeId: TRIGGER_ID, field: 'event' });
    expect(issueTarget(definition, 'settings.priority')).toEqual({ nodeId: undefined, field: 'settings.priority' });
    expect(issueTarget(definition, 'nodes[9].x').nodeId).toBeUndefined();
    const grouped = issuesByNode(definition, [
      { field: 'nodes[1].templateId', message: 'no template "x"' },
      { field: 'name', message: 'too long' },
    ]);
    expect(grouped.get('mail')).toEqual([{ field: 'templateId', message: 'no template "x"' }]);
    expect(grouped.get('')).toEqual([{ field: 'name', message: 'too long' }]);
  });

  it('inserts, renames and removes steps without breaking the links', () => {
    const inserted = insertAfter(definition, 'wait', 'timeoutNext', 'wait');
    expect(inserted.id).toBe('wait-2');
    expect(inserted.definition.nodes.find((node) => node.id === 'wait')).toMatchObject({ next: 'wait', timeoutNext: 'wait-2' });
    expect(inserted.definition.nodes.find((node) => node.id === 'wait-2')).toMatchObject({ type: 'wait', next: 'mail' });
    const first = insertAfter(definition, TRIGGER_ID, 'start', 'condition');
    expect(first.definition.start).toBe('condition');
    expect(first.definition.nodes[0]).toMatchObject({ yes: 'wait', no: 'wait' });
    const renamed = renameNode(definition, 'wait', 'hold');
    expect(renamed.start).toBe('hold');
    expect(renamed.nodes[0]).toMatchObject({ id: 'hold', next: 'hold' });
    const removed = removeNode(definition, 'mail');
    expect(removed.nodes.map((node) => node.id)).toEqual(['wait', 'done']);
    expect(removed.nodes[0]).toMatchObject({ timeoutNext: 'done' });
  });
});
