-- +goose Up
-- One row per job from enqueue until the queue's cleanup removes it some days
-- after it is done. state moves pending -> running -> done, back to pending
-- (a retry after a failure or an expired lease) or to dead (attempts used up,
-- or a permanent error). Times are UTC, written by the queue from its clock;
-- the driver stores them as text in one format, so they compare in time order.
CREATE TABLE jobs (
	id           TEXT PRIMARY KEY,
	kind         TEXT NOT NULL,
	payload      BLOB NOT NULL,
	dedup_key    TEXT,
	state        TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'dead')),
	attempts     INTEGER NOT NULL DEFAULT 0,
	max_attempts INTEGER NOT NULL CHECK (max_attempts > 0),
	run_at       TIMESTAMP NOT NULL,
	lease_until  TIMESTAMP,
	locked_by    TEXT,
	last_error   TEXT,
	created_at   TIMESTAMP NOT NULL,
	updated_at   TIMESTAMP NOT NULL,
	finished_at  TIMESTAMP
);
-- Claiming: the due pending jobs, oldest first.
CREATE INDEX jobs_pending_run_at ON jobs (run_at) WHERE state = 'pending';
-- Rescue: running jobs whose lease has expired.
CREATE INDEX jobs_running_lease ON jobs (lease_until) WHERE state = 'running';
-- Cleanup of old done jobs, and the dead-letter list.
CREATE INDEX jobs_done_finished ON jobs (finished_at) WHERE state = 'done';
CREATE INDEX jobs_dead_finished ON jobs (finished_at) WHERE state = 'dead';
-- De-duplication: one unfinished job per kind and key.
CREATE UNIQUE INDEX jobs_dedup ON jobs (kind, dedup_key)
	WHERE dedup_key IS NOT NULL AND state IN ('pending', 'running');

-- Periodic tasks that must run at most once per interval across all nodes:
-- a node runs a task only if it moves next_run forward first.
CREATE TABLE jobs_maintenance (
	task     TEXT PRIMARY KEY,
	next_run TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE jobs_maintenance;
DROP TABLE jobs;
