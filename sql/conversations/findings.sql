-- PII and secret findings in conversations, as offsets into the raw turn's text: the value is never copied.
CREATE TABLE IF NOT EXISTS conversations.findings (
    record_id    VARCHAR NOT NULL,
    turn         INTEGER NOT NULL,   -- 0-based index into raw.conversations.messages (the system turn is 0 when present)
    role         VARCHAR NOT NULL,   -- the turn's role
    "start"      INTEGER NOT NULL,
    "end"        INTEGER NOT NULL,
    entity_type  VARCHAR NOT NULL,
    detector     VARCHAR NOT NULL,
    score        DOUBLE  NOT NULL,
    action       VARCHAR NOT NULL
);
