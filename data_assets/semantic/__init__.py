"""The semantic layer: sentence embeddings for paraphrase decontamination, semantic dedup and topic clusters.

Plain functions over batches, each usable on its own:
- `model.EmbeddingsResource` (resource key "embeddings"): `.load() -> Embedder` with `.encode(texts)`
  (L2-normalized float32 rows); raises `SemanticUnavailable` with the reason when it cannot run.
- `cache.embed_texts(connect, embedder, texts)`: vectors through the DuckDB cache `semantic.embeddings`.
- `neighbours.top_k`, `neighbours.pairs_above`: exact cosine search in numpy blocks.
- `decontaminate.paraphrase_matches`: records close to an eval item, with band above/borderline.
- `semdedup.semantic_duplicates`: SemDeDup-style clusters within a role and their survivors.
- `topics.topic_clusters`: k-means topics with top terms, a 2-D map, eval coverage, thin topics.
- `stage.thin_topic_members(con)`: what augmentation and synthesis should fill.
"""
