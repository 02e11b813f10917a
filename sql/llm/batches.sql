-- Message Batches this project submitted. The id is written before the first poll, so a run
-- interrupted while a batch is in progress collects that batch next time instead of paying twice.
CREATE TABLE IF NOT EXISTS llm.batches (
    batch_id       VARCHAR PRIMARY KEY,
    provider       VARCHAR NOT NULL,
    status         VARCHAR NOT NULL,   -- in_progress | ended | collected
    request_count  INTEGER NOT NULL,
    submitted_at   TIMESTAMP NOT NULL,
    collected_at   TIMESTAMP,
    run_id         VARCHAR
);
