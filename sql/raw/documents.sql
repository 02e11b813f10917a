-- Instruction records exactly as their sources hold them: no normalization, so every later
-- stage can go back to the original text. One row per good source row.
CREATE TABLE IF NOT EXISTS raw.documents (
    record_id    VARCHAR NOT NULL,   -- stable across runs: hash of source, mapped fields (canonical JSON) and repeat index
    source       VARCHAR NOT NULL,   -- source name from the sources YAML
    source_uri   VARCHAR NOT NULL,   -- the file the row came from
    source_row   BIGINT  NOT NULL,   -- 0-based position of the row in that file
    role         VARCHAR NOT NULL,   -- train | seed | eval
    origin       VARCHAR NOT NULL,   -- human | synthetic
    license      VARCHAR,
    instruction  VARCHAR NOT NULL,
    input        VARCHAR NOT NULL,   -- '' when the source has none
    response     VARCHAR NOT NULL,
    ingested_at  TIMESTAMP NOT NULL  -- first time this record was seen; kept on re-runs
);
