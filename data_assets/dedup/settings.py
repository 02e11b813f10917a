"""The dedup stage's settings: what counts as a duplicate, how clusters form, what counts as contamination.

The same settings decide decontamination everywhere: each run stores them in `dedup.settings`,
and the stages that decontaminate generated rows later (augment, synth, prefs) read them back
from there, so a generated row is held to exactly the rules its curated set was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal, get_args

import duckdb
import pandas as pd

from data_assets.dedup.minhash import DEFAULT_SCHEME, MinHashScheme, choose_banding
from data_assets.warehouse.resource import replace_rows

Clustering = Literal["representative", "transitive"]
CLUSTERING_METHODS: tuple[str, ...] = get_args(Clustering)


@dataclass(frozen=True)
class DedupSettings:
    threshold: float = 0.7
    ngram_words: int = 13
    scheme: MinHashScheme = DEFAULT_SCHEME
    min_candidate_recall: float = 0.999
    clustering: Clustering = "representative"
    """representative: a record joins a cluster only if its own verified Jaccard to the cluster's kept
    record reaches the threshold; transitive: connected components of verified pairs, which can chain
    (a~b, b~c puts c with a however far apart they are)."""

    def __post_init__(self) -> None:
        if self.clustering not in CLUSTERING_METHODS:
            raise ValueError(f"clustering {self.clustering!r} is not one of {', '.join(CLUSTERING_METHODS)}")
        if self.ngram_words < self.scheme.shingle_words:
            raise ValueError(f"ngram_words ({self.ngram_words}) must be at least shingle_words ({self.scheme.shingle_words}): "
                             "shared spans are found as runs of consecutive shingles")

    @property
    def banding(self) -> tuple[int, int]:
        return choose_banding(self.threshold, self.scheme.num_perm, self.min_candidate_recall)


def write_settings(con: duckdb.DuckDBPyConnection, settings: DedupSettings, run_id: str) -> None:
    bands, rows = settings.banding
    row = {"run_id": run_id, "clustering": settings.clustering, "threshold": settings.threshold,
           "ngram_words": settings.ngram_words, "num_perm": settings.scheme.num_perm, "seed": settings.scheme.seed,
           "shingle_words": settings.scheme.shingle_words, "scheme": settings.scheme.name, "lsh_bands": bands,
           "lsh_rows": rows, "written_at": datetime.now(timezone.utc).replace(tzinfo=None)}
    replace_rows(con, "dedup.settings", pd.DataFrame([row]), "TRUE")


def read_settings(con: duckdb.DuckDBPyConnection) -> DedupSettings:
    """The settings of the last dedup run; the defaults when dedup has not run yet."""
    row = con.execute("SELECT threshold, ngram_words, num_perm, seed, shingle_words, clustering FROM dedup.settings").fetchone()
    if row is None:
        return DedupSettings()
    threshold, ngram_words, num_perm, seed, shingle_words, clustering = row
    scheme = MinHashScheme(num_perm=int(num_perm), seed=int(seed), shingle_words=int(shingle_words))
    return DedupSettings(threshold=float(threshold), ngram_words=int(ngram_words), scheme=scheme, clustering=clustering)
