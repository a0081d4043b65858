import { randomBytes, randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/** A run id: a time-ordered UUID v7, so ids sort roughly by creation time. */
export function newRunId(): string {
  return uuidv7();
}

/** A workflow `_id` when the definition names none: 24 lowercase hex characters, Mongo style. */
export function newWorkflowObjectId(): string {
  return randomBytes(12).toString('hex');
}

export function newUuid(): string {
  return randomUUID();
}
