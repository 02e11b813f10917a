-- The embedding cache: one vector per (model, normalized text). A record whose text did not change
-- is never embedded twice, whatever its record_id; a new model or new weights start a new key.
CREATE TABLE IF NOT EXISTS semantic.embeddings (
    model       VARCHAR NOT NULL,   -- model name # fingerprint of its files
    text_hash   VARCHAR NOT NULL,   -- sha256 of the normalized text (NFC, whitespace collapsed, trimmed)
    dim         INTEGER NOT NULL,
    vector      BLOB    NOT NULL,   -- float32 little-endian, L2-normalized, dim values
    run_id      VARCHAR,            -- the run that computed it
    created_at  TIMESTAMP NOT NULL
);
