-- Every raw record exactly once, with its verdict. Text fields hold the redacted text, also
-- for dropped records (their values are replaced too), so nothing past raw holds PII.
CREATE TABLE IF NOT EXISTS compliance.documents (
    record_id    VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    source_uri   VARCHAR NOT NULL,
    source_row   BIGINT  NOT NULL,
    role         VARCHAR NOT NULL,
    origin       VARCHAR NOT NULL,
    license      VARCHAR,
    instruction  VARCHAR NOT NULL,
    input        VARCHAR NOT NULL,
    response     VARCHAR NOT NULL,
    status       VARCHAR NOT NULL,   -- pass | redacted | dropped
    reasons      VARCHAR[] NOT NULL, -- e.g. [redact:EMAIL, flag:URL] or [license_not_allowed:proprietary]
    findings     INTEGER NOT NULL,   -- findings in compliance.findings for this record
    redactions   INTEGER NOT NULL,   -- spans replaced by a placeholder
    run_id       VARCHAR NOT NULL
);
