-- The topic of each curated training and eval record, and its place on the 2-D map.
CREATE TABLE IF NOT EXISTS semantic.topic_members (
    record_id            VARCHAR NOT NULL,
    role                 VARCHAR NOT NULL,
    topic_id             BIGINT  NOT NULL,
    centroid_similarity  DOUBLE  NOT NULL,
    x                    DOUBLE  NOT NULL,   -- first principal component of the embeddings
    y                    DOUBLE  NOT NULL,
    run_id               VARCHAR NOT NULL
);
