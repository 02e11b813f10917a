-- One row per (variant, trainer): the fitted error(n) = a * n^-b + c with error = 1 - score, the
-- size needed for the target score, and bootstrap intervals (seeds and eval items resampled).
-- Sizes that are never reached are +inf (an interval may be unbounded above); a variant that
-- could not be measured has status 'skipped' and the reason in note. Rewritten by every run.
-- informative says whether the curve means anything: its trainer beats the best trivial baseline
-- (curves.baselines, same eval items and metric) at largest_n by more than the 95% bootstrap
-- interval (seeds and eval items resampled, paired). Read a curve with informative = false as
-- "this proxy learned nothing measurable", never as a size answer. grows_with_n says whether it
-- also beats itself at its smallest n by the same test; informative but not growing = saturated.
CREATE TABLE IF NOT EXISTS curves.fits (
    variant              VARCHAR NOT NULL,
    trainer              VARCHAR NOT NULL,
    metric               VARCHAR,            -- novel_rouge_l_f | rouge_l_f | pairwise_accuracy | the trainer's metric
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
    run_id               VARCHAR NOT NULL,
    informative          BOOLEAN,            -- beats the best baseline at largest_n beyond bootstrap noise; NULL when no baseline applies or the curve was skipped
    informative_reason   VARCHAR,            -- the verdict in words, with the margin, the gain and their intervals
    best_baseline        VARCHAR,            -- echo_prompt | most_frequent_response | random_response | typical_response | always_longer | always_shorter | chance
    best_baseline_score  DOUBLE,             -- that baseline's score at largest_n (mean over seeds and eval items)
    margin_over_baseline DOUBLE,             -- score_at_largest_n - best_baseline_score
    margin_ci_low        DOUBLE,             -- 95% bootstrap interval of the margin (best baseline re-chosen per replicate)
    margin_ci_high       DOUBLE,
    gain_over_n          DOUBLE,             -- score at largest_n - score at the smallest n (same seeds)
    gain_ci_low          DOUBLE,             -- 95% bootstrap interval of the gain
    gain_ci_high         DOUBLE,
    grows_with_n         BOOLEAN             -- the gain's interval lies above 0; NULL when skipped
);
-- A warehouse made before the informative columns existed gets them here (a no-op on a new one).
ALTER TABLE curves.fits ADD COLUMN IF NOT EXISTS informative BOOLEAN;
ALTER TABLE curves.fits ADD COLUMN IF NOT EXISTS informative_reason VARCHAR;
ALTER TABLE curves.fits ADD COLUMN IF NOT EXISTS best_baseline VARCHAR;
ALTER TABLE curves.fits ADD COLUMN IF NOT EXISTS best_baseline_score DOUBLE;
ALTER TABLE curves.fits ADD COLUMN IF NOT EXISTS margin_over_baseline DOUBLE;
ALTER TABLE curves.fits ADD COLUMN IF NOT EXISTS margin_ci_low DOUBLE;
ALTER TABLE curves.fits ADD COLUMN IF NOT EXISTS margin_ci_high DOUBLE;
ALTER TABLE curves.fits ADD COLUMN IF NOT EXISTS gain_over_n DOUBLE;
ALTER TABLE curves.fits ADD COLUMN IF NOT EXISTS gain_ci_low DOUBLE;
ALTER TABLE curves.fits ADD COLUMN IF NOT EXISTS gain_ci_high DOUBLE;
ALTER TABLE curves.fits ADD COLUMN IF NOT EXISTS grows_with_n BOOLEAN;
