-- Asset steps a spend cap cut short: what they did not send, per run. An export reads it to
-- keep the previous files when its inputs are incomplete; `summary` prints it.
CREATE TABLE IF NOT EXISTS llm.spend_caps (
    run_id         VARCHAR NOT NULL,
    step           VARCHAR NOT NULL,   -- the asset step that hit the cap
    reason         VARCHAR NOT NULL,   -- the cap reached, e.g. max_usd_per_run=$0.05
    requests_skipped INTEGER NOT NULL, -- requests of that step left unsent
    cost_usd       DOUBLE NOT NULL,    -- what the step spent before the cap
    recorded_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (run_id, step)
);
