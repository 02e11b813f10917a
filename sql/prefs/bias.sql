-- The judge's biases, one row per run, so runs (and judges, rubrics) can be compared over time.
CREATE TABLE IF NOT EXISTS prefs.bias (
    run_id                   VARCHAR NOT NULL,
    measured_at              TIMESTAMP NOT NULL,
    judge_model              VARCHAR NOT NULL,
    rubric_version           VARCHAR NOT NULL,
    provider                 VARCHAR,
    pairs                    INTEGER NOT NULL,
    pairs_judged             INTEGER NOT NULL,
    consistent_pairs         INTEGER NOT NULL,
    consistency_rate         DOUBLE,
    tie_rate                 DOUBLE,
    inconsistent_rate        DOUBLE,
    first_position_win_rate  DOUBLE,   -- 0.5 is unbiased
    longer_response_win_rate DOUBLE,
    human_pairs              INTEGER NOT NULL,
    human_agreement_excluding_ties DOUBLE,
    human_agreement_including_ties DOUBLE,
    degraded_pairs           INTEGER NOT NULL,
    degraded_loses_rate      DOUBLE,
    consistency_threshold    DOUBLE NOT NULL
);
