-- Preference pairs and the judge's combined verdict. Only `a`/`b` pairs have chosen and rejected
-- and reach dpo.jsonl; `inconsistent` (the two orders disagree) and `tie` are kept to measure the judge.
CREATE TABLE IF NOT EXISTS prefs.pairs (
    pair_id        VARCHAR NOT NULL,
    source         VARCHAR NOT NULL,   -- sft (curated set, judge-labeled) | human (raw.preferences, for calibration)
    prompt_id      VARCHAR NOT NULL,
    prompt         VARCHAR NOT NULL,
    reference      VARCHAR,            -- reference answer shown to the judge, if any
    response_a_id  VARCHAR NOT NULL,
    response_b_id  VARCHAR NOT NULL,
    verdict        VARCHAR NOT NULL,   -- a | b | tie | inconsistent | unjudged (an order has no valid judgment)
    chosen_id      VARCHAR,
    rejected_id    VARCHAR,
    len_a          INTEGER NOT NULL,   -- characters
    len_b          INTEGER NOT NULL,
    same_model_family BOOLEAN NOT NULL, -- a generated response comes from the judge's model family (self-preference risk)
    human_label    VARCHAR,            -- a | b: the side people chose (human pairs)
    judge_model    VARCHAR NOT NULL,
    rubric_version VARCHAR NOT NULL,
    run_id         VARCHAR NOT NULL
);
