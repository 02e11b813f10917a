-- Semantic duplicate clusters within a role (off by default). The representative stays in
-- dedup.documents; every other member left it with a `duplicate_of` lineage edge (stage semantic).
CREATE TABLE IF NOT EXISTS semantic.clusters (
    record_id          VARCHAR NOT NULL,
    cluster_id         VARCHAR NOT NULL,   -- 'semantic:' || representative_id
    representative_id  VARCHAR NOT NULL,
    role               VARCHAR NOT NULL,
    similarity         DOUBLE  NOT NULL,   -- cosine to the representative (1.0 on its own row)
    cluster_size       BIGINT  NOT NULL,
    run_id             VARCHAR NOT NULL
);
