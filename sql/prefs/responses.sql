-- Every candidate response of a preference pair, under its own id, with how it was made: the
-- dataset's own answer, a model's generation, a documented degradation (offline), or a human-labeled side.
CREATE TABLE IF NOT EXISTS prefs.responses (
    response_id  VARCHAR NOT NULL,   -- resp_ + hash of prompt id, origin and text
    prompt_id    VARCHAR NOT NULL,   -- dedup.documents or raw.preferences record id
    text         VARCHAR NOT NULL,
    origin       VARCHAR NOT NULL,   -- existing | generated | degraded | human
    method       VARCHAR NOT NULL,   -- generation style, degradation way, or chosen/rejected for human pairs
    detail       VARCHAR,
    provider     VARCHAR,            -- anthropic | offline for generated and degraded text
    model        VARCHAR,
    run_id       VARCHAR NOT NULL
);
