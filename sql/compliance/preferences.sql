-- Every raw preference record exactly once, with its verdict: the same policy and findings
-- table as compliance.documents. Text fields hold the redacted text, also for dropped records.
-- The prefs stage reads its human pairs from here, never from raw.preferences.
CREATE TABLE IF NOT EXISTS compliance.preferences (
    record_id    VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    source_uri   VARCHAR NOT NULL,
    source_row   BIGINT  NOT NULL,
    role         VARCHAR NOT NULL,
    origin       VARCHAR NOT NULL,
    license      VARCHAR,
    prompt       VARCHAR NOT NULL,
    chosen       VARCHAR NOT NULL,
    rejected     VARCHAR NOT NULL,
    status       VARCHAR NOT NULL,   -- pass | redacted | dropped
    reasons      VARCHAR[] NOT NULL,
    findings     INTEGER NOT NULL,
    redactions   INTEGER NOT NULL,
    run_id       VARCHAR NOT NULL
);
