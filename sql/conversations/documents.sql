-- Every raw conversation once, after compliance on every turn, exact dedup of whole conversations
-- and decontamination of the opening request. The SFT export reads status pass | redacted.
CREATE TABLE IF NOT EXISTS conversations.documents (
    record_id    VARCHAR NOT NULL,   -- raw.conversations record id
    source       VARCHAR NOT NULL,
    source_uri   VARCHAR NOT NULL,
    source_row   BIGINT  NOT NULL,
    role         VARCHAR NOT NULL,   -- train | seed | eval
    origin       VARCHAR NOT NULL,
    license      VARCHAR,
    messages     VARCHAR NOT NULL,   -- JSON list of {role, content}, PII replaced by typed placeholders
    turns        INTEGER NOT NULL,
    feedback     VARCHAR NOT NULL,   -- up | down | ''
    status       VARCHAR NOT NULL,   -- pass | redacted | dropped | duplicate | contaminated
    reasons      VARCHAR[] NOT NULL,
    duplicate_of VARCHAR,            -- the kept conversation this one repeats (status duplicate)
    findings     INTEGER NOT NULL,
    run_id       VARCHAR NOT NULL
);
