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

/** Workflow ids a definition may name itself (SPEC §1). */
export const WORKFLOW_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
