-- Traces of SPEC §17 (issue 21): a run's place in a distributed trace, made at creation.
-- trace_id and trace_parent_span_id come from the create request's `traceparent` (or the
-- parent run, for a child run); trace_span_id is the id of the run's own span, which every
-- process executing the run's steps uses as their parent. NULL for runs created before.
ALTER TABLE runs ADD COLUMN trace_id TEXT;
ALTER TABLE runs ADD COLUMN trace_parent_span_id TEXT;
ALTER TABLE runs ADD COLUMN trace_span_id TEXT;
ALTER TABLE runs ADD COLUMN trace_sampled INTEGER;
