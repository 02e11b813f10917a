-- One row per judge call: every pair is judged twice, with the responses shown in both orders.
-- `winner` is positional (as the judge saw it); `preferred` maps it back to the pair's sides.
CREATE TABLE IF NOT EXISTS prefs.judgments (
    pair_id        VARCHAR NOT NULL,
    "order"        VARCHAR NOT NULL,   -- ab: response_a shown first | ba: response_b shown first
    winner         VARCHAR,            -- A | B | tie; NULL when the call gave no valid verdict
    preferred      VARCHAR,            -- a | b | tie
    helpfulness_a  INTEGER,
    correctness_a  INTEGER,
    harmlessness_a INTEGER,
    instruction_following_a INTEGER,
    helpfulness_b  INTEGER,
    correctness_b  INTEGER,
    harmlessness_b INTEGER,
    instruction_following_b INTEGER,
    rationale      VARCHAR,
    judge_model    VARCHAR NOT NULL,
    rubric_version VARCHAR NOT NULL,
    provider       VARCHAR NOT NULL,   -- anthropic | offline
    status         VARCHAR NOT NULL,   -- ok | failed | declined | skipped (spend cap)
    error          VARCHAR,
    request_hash   VARCHAR NOT NULL,   -- the llm.calls row that answered it
    cached         BOOLEAN NOT NULL,
    run_id         VARCHAR NOT NULL
);
