-- Source rows that could not be ingested, with the reason. Every row of every file ends up in
-- exactly one of raw.documents, raw.preferences and raw.rejects.
CREATE TABLE IF NOT EXISTS raw.rejects (
    source       VARCHAR NOT NULL,
    source_uri   VARCHAR NOT NULL,
    source_row   BIGINT  NOT NULL,
    payload      VARCHAR,            -- the row's text, truncated to 2,000 characters
    error        VARCHAR NOT NULL,
    rejected_at  TIMESTAMP NOT NULL
);
