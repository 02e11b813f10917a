-- Human-labeled preference records (role `preference`), verbatim.
CREATE TABLE IF NOT EXISTS raw.preferences (
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
    ingested_at  TIMESTAMP NOT NULL
);
