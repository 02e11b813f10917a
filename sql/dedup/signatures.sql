-- Per-record dedup features, kept across runs so a nightly run only hashes new or changed records.
-- A row is reused while `content_hash` (md5 of the redacted fields) and `scheme` still match.
CREATE TABLE IF NOT EXISTS dedup.signatures (
    record_id     VARCHAR NOT NULL,
    content_hash  VARCHAR NOT NULL,   -- md5 of instruction, input, response joined by U+001F
    scheme        VARCHAR NOT NULL,   -- e.g. datasketch-affine32/seed=1/num_perm=128/words=5/hashfunc=shingle_hash-v2
    n_words       BIGINT  NOT NULL,   -- normalized words in instruction + input + response
    text_key      UBIGINT NOT NULL,   -- exact-duplicate key of the normalized text
    prompt_key    UBIGINT NOT NULL,   -- key of the normalized instruction + input
    response_key  UBIGINT NOT NULL,   -- key of the normalized response
    shingles      BLOB    NOT NULL,   -- uint32 little-endian shingle hashes in text order (repeats kept)
    signature     BLOB    NOT NULL,   -- uint32 little-endian MinHash values, num_perm of them
    run_id        VARCHAR NOT NULL    -- the run that computed this row
);
