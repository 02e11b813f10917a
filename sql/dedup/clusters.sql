-- Duplicate clusters (two or more records of one role). The representative survives; every
-- other member was dropped from dedup.documents with a `duplicate_of` lineage edge to it.
CREATE TABLE IF NOT EXISTS dedup.clusters (
    record_id          VARCHAR NOT NULL,
    cluster_id         VARCHAR NOT NULL,   -- 'cluster:' || representative_id
    representative_id  VARCHAR NOT NULL,
    role               VARCHAR NOT NULL,
    method             VARCHAR NOT NULL,   -- exact | minhash (on the representative's row: how the cluster formed)
    similarity         DOUBLE  NOT NULL,   -- true shingle Jaccard to the representative (1.0 when exact)
    cluster_size       BIGINT  NOT NULL,
    clustering         VARCHAR NOT NULL    -- representative (every member verified >= threshold against the representative) | transitive (chains)
);
-- Warehouses created before the column existed get it here; the next dedup run fills it.
ALTER TABLE dedup.clusters ADD COLUMN IF NOT EXISTS clustering VARCHAR DEFAULT 'transitive';
