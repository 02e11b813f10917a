-- The trivial baselines each curve is judged against (data_assets/curves/baselines.py), measured
-- the way its trainer is: the same eval items, the same metric, each seed's largest subset.
-- One row per (curve, baseline, seed). Rewritten whole by every run of data_curves.
CREATE TABLE IF NOT EXISTS curves.baselines (
    variant   VARCHAR NOT NULL,   -- the curve's variant (see curves.points)
    trainer   VARCHAR NOT NULL,   -- the trainer this baseline is compared with
    baseline  VARCHAR NOT NULL,   -- echo_prompt | most_frequent_response | random_response | typical_response | always_longer | always_shorter | chance
    metric    VARCHAR NOT NULL,   -- the trainer's metric, used for the baseline too
    n         BIGINT  NOT NULL,   -- the subset it saw: the curve's largest size
    seed      BIGINT  NOT NULL,   -- the seed of that subset (random_response also draws with it)
    value     DOUBLE  NOT NULL,   -- mean over eval items, higher is better
    run_id    VARCHAR NOT NULL
);
