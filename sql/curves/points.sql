-- One trained model per row: its training-set size, the seed that drew the subset, and its
-- mean score on the eval set. Rewritten whole by every run of data_curves.
CREATE TABLE IF NOT EXISTS curves.points (
    variant   VARCHAR NOT NULL,   -- curated | raw | human | synthetic | mixed | diverse | narrow
    trainer   VARCHAR NOT NULL,   -- sft | sft_nearest | reward | any registered trainer
    n         BIGINT  NOT NULL,   -- training examples (nested: seed s, size n is a prefix of size n' > n)
    seed      BIGINT  NOT NULL,
    metric    VARCHAR NOT NULL,   -- novel_rouge_l_f | rouge_l_f | pairwise_accuracy | the trainer's metric
    value     DOUBLE  NOT NULL,   -- mean over eval items, higher is better
    run_id    VARCHAR NOT NULL
);
