-- What each semantic step did in a run, or why it was skipped: the summary and the UI say it
-- from here. One row per (run_id, step).
CREATE TABLE IF NOT EXISTS semantic.steps (
    run_id       VARCHAR NOT NULL,
    step         VARCHAR NOT NULL,   -- paraphrase_decontamination | semantic_dedup | topic_clusters | generated_decontamination
    status       VARCHAR NOT NULL,   -- ran | skipped | off
    reason       VARCHAR,            -- why skipped or off; what ran otherwise
    model        VARCHAR,            -- the embedding model used
    embedded     BIGINT,             -- texts embedded in this run
    reused       BIGINT,             -- texts answered from semantic.embeddings
    seconds      DOUBLE,
    finished_at  TIMESTAMP NOT NULL
);
