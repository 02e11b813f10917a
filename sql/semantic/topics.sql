-- Topic clusters of the curated training set and the eval set (k-means on task embeddings).
CREATE TABLE IF NOT EXISTS semantic.topics (
    topic_id       BIGINT  NOT NULL,
    label          VARCHAR NOT NULL,   -- its top three terms
    top_terms      VARCHAR NOT NULL,   -- class-based TF-IDF terms, best first
    train_records  BIGINT  NOT NULL,
    eval_records   BIGINT  NOT NULL,
    train_share    DOUBLE  NOT NULL,
    eval_share     DOUBLE  NOT NULL,
    thin           BOOLEAN NOT NULL,   -- train_share < thin_ratio * eval_share: augment and synth fill it
    run_id         VARCHAR NOT NULL
);
