-- The policy the last compliance run applied (JSON), so checks and readers judge its output
-- by the same rules.
CREATE TABLE IF NOT EXISTS compliance.policy (
    run_id       VARCHAR NOT NULL,
    policy       VARCHAR NOT NULL,
    written_at   TIMESTAMP NOT NULL
);
