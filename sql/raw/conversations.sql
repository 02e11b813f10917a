-- Multi-turn conversations exactly as their sources hold them (a source with `conversation:`):
-- turn order, roles and the system prompt verbatim. One row per good source row.
CREATE TABLE IF NOT EXISTS raw.conversations (
    record_id    VARCHAR NOT NULL,   -- stable across runs: hash of source, turns and feedback (canonical form) and repeat index
    source       VARCHAR NOT NULL,   -- source name from the sources YAML
    source_uri   VARCHAR NOT NULL,   -- the file the row came from
    source_row   BIGINT  NOT NULL,   -- 0-based position of the row in that file
    role         VARCHAR NOT NULL,   -- train | seed | eval
    origin       VARCHAR NOT NULL,   -- human | synthetic
    license      VARCHAR,
    messages     VARCHAR NOT NULL,   -- JSON list of {role, content}: system?, then user/assistant (and tool) turns
    turns        INTEGER NOT NULL,   -- number of turns, the system turn included
    feedback     VARCHAR NOT NULL,   -- up | down | '' (none) on the last assistant answer
    edited       VARCHAR NOT NULL,   -- the user's edit of the last answer; '' when none
    regenerated  VARCHAR NOT NULL,   -- the answer the user regenerated away (the last answer is the kept one); '' when none
    ingested_at  TIMESTAMP NOT NULL  -- first time this record was seen; kept on re-runs
);
