import type { PersonalDataHandler, Subject } from '../privacy/index.js';
import { deleteExposuresOfUnits, exposuresOfUnits } from './store/experiments.js';

/** The person's experiment units: assignment hashes their user id or anonymous id. */
function unitsOf(subject: Subject): string[] {
  return [...new Set(subject.identifiers.filter((identifier) => identifier.type === 'user_id' || identifier.type === 'anonymous_id').map((identifier) => identifier.value))];
}

/**
 * What experiments hold about a person: the stored assignment (first exposure) of each of their
 * units. Their exposure events are in the log under their ids and go with the core events.
 * @example registry.register(experimentPrivacyHandler());
 */
export function experimentPrivacyHandler(): PersonalDataHandler {
  return {
    name: 'experiment_exposures',
    erase: (trx, subject) => deleteExposuresOfUnits(trx, subject.workspaceId, unitsOf(subject)),
    export: (db, subject) => exposuresOfUnits(db, subject.workspaceId, unitsOf(subject)),
  };
}
