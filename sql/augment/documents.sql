-- Augmented records: a curated record rewritten by one method to fill a thin bucket of the
-- curated profile. Each has one parent (lineage edge child -> parent, operation = method).
CREATE TABLE IF NOT EXISTS augment.documents (
    record_id          VARCHAR NOT NULL,   -- a_ + hash of parent, method (and language for translate)
    parent_id          VARCHAR NOT NULL,   -- the dedup.documents record it was made from
    method             VARCHAR NOT NULL,   -- paraphrase | style_formal | style_informal | style_short | style_long | translate | noise
    gap                VARCHAR NOT NULL,   -- the thin bucket it was made for, e.g. 'domain=history'
    language           VARCHAR,            -- target language of translate, else NULL
    instruction        VARCHAR NOT NULL,
    input              VARCHAR NOT NULL,
    response           VARCHAR NOT NULL,
    source             VARCHAR,            -- the parent's source and license: an augmented record is bound by them
    license            VARCHAR,
    parent_origin      VARCHAR,
    parent_similarity  DOUBLE NOT NULL,    -- word Jaccard with the parent on the rewritten fields
    pii_reasons        VARCHAR,            -- what the compliance re-scan redacted, if anything
    provider           VARCHAR NOT NULL,   -- anthropic | offline | rules (noise)
    model              VARCHAR NOT NULL,
    prompt_version     VARCHAR NOT NULL,
    request_hash       VARCHAR,            -- the llm.calls row, for model methods
    run_id             VARCHAR NOT NULL
);
