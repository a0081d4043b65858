-- The retention sweeper drops `POST /events` ids older than their 24 h de-duplication window
-- (SPEC §7) in small batches, oldest first: this index finds them without a scan.
CREATE INDEX waitpoint_event_ids_created ON waitpoint_event_ids (created_at);
