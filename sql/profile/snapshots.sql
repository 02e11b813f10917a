-- One row per (profiled dataset, run, statistic), so runs can be compared over time.
CREATE TABLE IF NOT EXISTS profile.snapshots (
    dataset     VARCHAR NOT NULL,    -- raw, curated, ...
    run_id      VARCHAR NOT NULL,
    profiled_at TIMESTAMP NOT NULL,
    field       VARCHAR NOT NULL,    -- instruction | input | response | '*' for dataset-wide stats
    statistic   VARCHAR NOT NULL,
    value       DOUBLE,
    label       VARCHAR              -- for categorical stats (language, verb): the category
);
