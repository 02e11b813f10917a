"""The dedup stage: exact and near-duplicate removal within each role, and eval decontamination.

Library API for other stages (augment and synth reject generated text that near-duplicates
curated records; everything uses the same normalization and MinHash scheme as the stage):

- `normalize_text(text) -> str`: NFKC, case folding, every run of non-alphanumeric characters
  collapsed to one space. Equal normalized text is what "exact duplicate" means.
- `shingles(text, size=5) -> set[str]`: the word 5-gram shingles of the normalized text (a text
  shorter than five words is one shingle; an empty text has none).
- `jaccard(a, b) -> float`: true Jaccard similarity of two shingle sets.
- `NearDuplicateIndex(threshold=0.7)`: `.add(key, text)`, `.add_many({key: text})`,
  `.query(text) -> [(key, jaccard), ...]` (every stored text with true Jaccard >= threshold,
  most similar first), `.query_many(texts)`, `len()`, `key in index`. Candidates come from
  `datasketch.MinHashLSH`; each is verified with the true Jaccard, so results have no false
  positives. To compare with records the way the stage does, join
  instruction, input and response with newlines.

The stage itself: `data_assets.dedup.stage.run_dedup` (see `clusters.py` for the rules and the
survivor order, `minhash.py` for the scheme and the choice of bands and rows). What the
`dedup_documents` asset reports, its Dagster metadata, comes from `report.py` (plain functions of
the stage outcome); its asset checks' queries are in `sql/checks/dedup_*.sql`.
"""

from data_assets.dedup.minhash import DEFAULT_SCHEME, MinHashScheme, NearDuplicateIndex
from data_assets.dedup.text import jaccard, normalize_text, shingles

__all__ = ["DEFAULT_SCHEME", "MinHashScheme", "NearDuplicateIndex", "jaccard", "normalize_text", "shingles"]
