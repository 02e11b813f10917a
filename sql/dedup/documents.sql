-- The kept records of every role: not dropped by compliance, one per duplicate cluster, and no
-- train or seed record that overlaps eval. Text is compliance's redacted text.
-- The curated training set is role = 'train'; seeds role = 'seed'; the eval set role = 'eval'.
CREATE TABLE IF NOT EXISTS dedup.documents (
    record_id    VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    source_uri   VARCHAR NOT NULL,
    source_row   BIGINT  NOT NULL,
    role         VARCHAR NOT NULL,
    origin       VARCHAR NOT NULL,
    license      VARCHAR,
    instruction  VARCHAR NOT NULL,
    input        VARCHAR NOT NULL,
    response     VARCHAR NOT NULL
);
