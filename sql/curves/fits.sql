-- One row per (variant, trainer): the fitted error(n) = a * n^-b + c with error = 1 - score, the
-- size needed for the target score, and bootstrap intervals (seeds and eval items resampled).
-- Sizes that are never reached are +inf (an interval may be unbounded above); a variant that
-- could not be measured has status 'skipped' and the reason in note. Rewritten by every run.
CREATE TABLE IF NOT EXISTS curves.fits (
    variant              VARCHAR NOT NULL,
    trainer              VARCHAR NOT NULL,
    metric               VARCHAR,
    status               VARCHAR NOT NULL,   -- fitted | too_few_sizes | skipped
    a                    DOUBLE,
    b                    DOUBLE,             -- the exponent: how fast more data helps
    c                    DOUBLE,             -- error floor: 1 - c is the best score this data allows
    b_ci_low             DOUBLE,
    b_ci_high            DOUBLE,
    target               DOUBLE,             -- target score (not error)
    n_for_target         DOUBLE,             -- +inf when the fitted curve never reaches the target
    ci_low               DOUBLE,
    ci_high              DOUBLE,
    reachable_share      DOUBLE,             -- share of bootstrap fits that reach the target at all
    extrapolation_factor DOUBLE,             -- n_for_target / largest_n; above 1 means beyond the data
    largest_n            BIGINT,
    score_at_largest_n   DOUBLE,             -- measured, mean over seeds
    points               BIGINT,
    seeds                BIGINT,
    eval_items           BIGINT,
    bootstrap_replicates BIGINT,
    note                 VARCHAR,            -- what the variant was drawn from, or why it was skipped
    run_id               VARCHAR NOT NULL
);
