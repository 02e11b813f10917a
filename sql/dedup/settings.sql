-- The settings of the last dedup run, one row: what its clusters mean, and the rules by which the
-- later stages (augment, synth, prefs) decontaminate their generated rows against eval.
CREATE TABLE IF NOT EXISTS dedup.settings (
    run_id         VARCHAR   NOT NULL,
    clustering     VARCHAR   NOT NULL,   -- representative (every removed record verified against its kept one) | transitive
    threshold      DOUBLE    NOT NULL,   -- true shingle Jaccard at or above which two records are near-duplicates
    ngram_words    BIGINT    NOT NULL,   -- a shared run of this many normalized words is contamination
    num_perm       BIGINT    NOT NULL,
    seed           BIGINT    NOT NULL,
    shingle_words  BIGINT    NOT NULL,
    scheme         VARCHAR   NOT NULL,   -- the MinHash scheme's name, as in dedup.signatures
    lsh_bands      BIGINT    NOT NULL,
    lsh_rows       BIGINT    NOT NULL,
    written_at     TIMESTAMP NOT NULL
);
