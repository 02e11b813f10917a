-- The LLM ledger and cache: one row per logical request, keyed by the hash of everything that
-- decides the answer. A row is written the moment its request finishes, so a run that dies
-- half-way keeps what it paid for; an `ok` row answers the same request again with no call.
CREATE TABLE IF NOT EXISTS llm.calls (
    request_hash        VARCHAR PRIMARY KEY,  -- sha256 over task, model, system, messages, output schema, prompt_version
    task                VARCHAR NOT NULL,     -- e.g. synth.generate, prefs.judge
    prompt_version      VARCHAR NOT NULL,
    provider            VARCHAR NOT NULL,     -- anthropic | offline
    model               VARCHAR NOT NULL,
    mode                VARCHAR NOT NULL,     -- sync | batch
    status              VARCHAR NOT NULL,     -- ok | failed | declined | pending (submitted in a batch, not collected yet)
    input_tokens        BIGINT  NOT NULL,
    output_tokens       BIGINT  NOT NULL,
    cache_read_tokens   BIGINT  NOT NULL,
    cache_write_tokens  BIGINT  NOT NULL,
    cost_usd            DOUBLE  NOT NULL,     -- what the attempts that produced this row cost
    prior_cost_usd      DOUBLE  NOT NULL,     -- what earlier, failed runs of the same request cost
    latency_ms          DOUBLE,
    attempts            INTEGER NOT NULL,     -- HTTP attempts including SDK retries and validation retries
    error               VARCHAR,              -- failure or decline reason; never holds the API key
    response            VARCHAR,              -- validated JSON, free text, or the raw text of a reply that failed validation
    created_at          TIMESTAMP NOT NULL,   -- when this row was last written
    run_id              VARCHAR,              -- Dagster run that wrote it
    batch_id            VARCHAR,              -- Message Batch that carried it, in batch mode
    custom_id           VARCHAR               -- its custom_id in that batch
);
