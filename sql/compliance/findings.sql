-- Every PII or secret finding at or above the policy's score, as offsets into the raw field
-- text (raw.documents or raw.preferences): the value itself is never copied here.
CREATE TABLE IF NOT EXISTS compliance.findings (
    record_id    VARCHAR NOT NULL,
    field        VARCHAR NOT NULL,   -- instruction | input | response (documents); prompt | chosen | rejected (preferences)
    "start"      INTEGER NOT NULL,   -- raw.documents.<field>[start:end) in Python terms (0-based, end exclusive)
    "end"        INTEGER NOT NULL,
    entity_type  VARCHAR NOT NULL,
    detector     VARCHAR NOT NULL,
    score        DOUBLE  NOT NULL,
    action       VARCHAR NOT NULL    -- redact | drop | flag | remove, as the policy of that run decided
);
