-- Every file an ingest run read, with its size and content hash, so a run can say what changed.
CREATE TABLE IF NOT EXISTS raw.files (
    source       VARCHAR NOT NULL,
    source_uri   VARCHAR NOT NULL,
    sha256       VARCHAR NOT NULL,
    bytes        BIGINT  NOT NULL,
    rows_ok      BIGINT  NOT NULL,
    rows_rejected BIGINT NOT NULL,
    read_at      TIMESTAMP NOT NULL
);
