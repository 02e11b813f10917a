-- Kept records of one role with the same normalized instruction + input but different normalized
-- responses: the same question answered two ways. Reported for a person to resolve, not removed.
CREATE TABLE IF NOT EXISTS dedup.conflicts (
    conflict_id         VARCHAR NOT NULL,   -- 'conflict:' || smallest record_id of the group
    record_id           VARCHAR NOT NULL,
    role                VARCHAR NOT NULL,
    records             BIGINT  NOT NULL,   -- records sharing the prompt
    distinct_responses  BIGINT  NOT NULL
);
