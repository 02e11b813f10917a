-- Row lineage. Every stage that derives, merges, redacts or drops a row writes one edge per
-- (child, parent). A redaction or drop keeps the record's id, so its edge has child = parent and
-- says what happened in `operation` and why in `detail`.
CREATE TABLE IF NOT EXISTS lineage.edges (
    child_id   VARCHAR NOT NULL,
    parent_id  VARCHAR NOT NULL,
    stage      VARCHAR NOT NULL,     -- compliance, dedup, augment, synth, prefs, ...
    operation  VARCHAR NOT NULL,     -- redact, drop, duplicate_of, paraphrase, seed_example, ...
    detail     VARCHAR,              -- the reason, e.g. 'EMAIL x2' or 'minhash jaccard=0.82'
    run_id     VARCHAR NOT NULL
);
