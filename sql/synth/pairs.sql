-- Synthetic instruction pairs that passed every filter. Unverified pairs stay here with
-- verified = false so a person can see them; exports leave them out by default.
CREATE TABLE IF NOT EXISTS synth.pairs (
    record_id            VARCHAR NOT NULL,   -- s_ + hash of the pair's text
    instruction          VARCHAR NOT NULL,
    input                VARCHAR NOT NULL,   -- '' when the task has none
    response             VARCHAR NOT NULL,
    task_type            VARCHAR NOT NULL,
    domain               VARCHAR NOT NULL,
    seed_ids             VARCHAR[] NOT NULL, -- the in-context examples of the request (seeds and earlier pairs)
    max_rouge_l          DOUBLE  NOT NULL,   -- highest ROUGE-L F of the instruction against every earlier seed and pair
    verified             BOOLEAN NOT NULL,
    verification_reason  VARCHAR NOT NULL,
    verified_by          VARCHAR NOT NULL,   -- computation | judge
    provider             VARCHAR NOT NULL,   -- anthropic | offline
    model                VARCHAR NOT NULL,
    prompt_version       VARCHAR NOT NULL,
    request_hash         VARCHAR NOT NULL,   -- the llm.calls row the pair came from
    run_id               VARCHAR NOT NULL
);
