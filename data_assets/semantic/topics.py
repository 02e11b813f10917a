"""Topic clusters of instructions, eval coverage and thin topics: diversity measured in meaning.

Topics: k-means on the task embeddings of the curated training set and the eval set together
(so both are described in the same topics), each labelled by its top terms (class-based TF-IDF:
the words that set a topic's instructions apart from the others). A topic is thin when its
share of the training set is below `thin_ratio` times its share of the eval set: the model will
be tested on it more than it is taught it. Coverage is the share of eval items whose nearest
training record is at least `coverage_at` similar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_assets.semantic.neighbours import top_k

TOPIC_COLUMNS = ["topic_id", "label", "top_terms", "train_records", "eval_records", "train_share", "eval_share", "thin"]


@dataclass(frozen=True)
class TopicSettings:
    n_topics: int = 0            # 0: about sqrt(n / 2), between 2 and 40
    top_terms: int = 4
    thin_ratio: float = 0.5
    coverage_at: float = 0.6
    seed: int = 0


@dataclass
class Topics:
    assignment: np.ndarray         # topic per record
    centroid_similarity: np.ndarray
    xy: np.ndarray                 # 2-D map coordinates (PCA of the embeddings)
    table: pd.DataFrame            # TOPIC_COLUMNS
    coverage: float | None         # share of eval items covered; None without eval items
    nearest_train_similarity: np.ndarray   # per eval record, in eval order


def choose_k(n: int, requested: int = 0) -> int:
    if n < 2:
        return 1
    k = requested or int(round(np.sqrt(n / 2)))
    return int(min(max(k, 2), 40, n))


def top_terms(texts: Sequence[str], assignment: np.ndarray, k: int, n_terms: int) -> list[list[str]]:
    """Class-based TF-IDF: each topic's instructions as one document, so terms common to every
    topic ("write", "explain") score low and a topic's own words high."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    documents = [" ".join(t for t, a in zip(texts, assignment) if a == topic) for topic in range(k)]
    if not any(d.strip() for d in documents):
        return [[] for _ in range(k)]
    try:
        vectorizer = TfidfVectorizer(stop_words="english", token_pattern=r"(?u)\b[^\W\d_]{3,}\b", sublinear_tf=True)
        matrix = vectorizer.fit_transform(documents)
    except ValueError:  # nothing but stop words
        return [[] for _ in range(k)]
    vocabulary = np.array(vectorizer.get_feature_names_out())
    terms = []
    for row in range(k):
        scores = matrix[row].toarray().ravel()
        best = np.argsort(-scores, kind="stable")[:n_terms]
        terms.append([str(vocabulary[b]) for b in best if scores[b] > 0])
    return terms


def topic_clusters(texts: Sequence[str], vectors: np.ndarray, roles: Sequence[str], settings: TopicSettings) -> Topics:
    """Topics of `texts` (row-aligned with `vectors` and `roles`; roles `train` and `eval` count)."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    n = len(texts)
    roles = np.asarray(roles, dtype=object)
    k = choose_k(n, settings.n_topics)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Topics(empty, np.zeros(0), np.zeros((0, 2)), pd.DataFrame(columns=TOPIC_COLUMNS), None, np.zeros(0))
    if k == 1:
        assignment = np.zeros(n, dtype=np.int64)
        centroids = vectors.mean(axis=0, keepdims=True)
    else:
        model = KMeans(n_clusters=k, random_state=settings.seed, n_init=4).fit(vectors)
        assignment = model.labels_.astype(np.int64)
        centroids = model.cluster_centers_
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    centroids = centroids / np.where(norms == 0, 1, norms)
    centroid_similarity = np.einsum("ij,ij->i", vectors, centroids[assignment])
    xy = PCA(n_components=2, random_state=settings.seed).fit_transform(vectors) if n >= 3 else np.zeros((n, 2))
    terms = top_terms(texts, assignment, k, settings.top_terms)
    is_train, is_eval = roles == "train", roles == "eval"
    train_counts = np.bincount(assignment[is_train], minlength=k)
    eval_counts = np.bincount(assignment[is_eval], minlength=k)
    train_share = train_counts / max(int(is_train.sum()), 1)
    eval_share = eval_counts / max(int(is_eval.sum()), 1)
    table = pd.DataFrame({
        "topic_id": np.arange(k), "label": [" / ".join(t[:3]) or f"topic {i}" for i, t in enumerate(terms)],
        "top_terms": [", ".join(t) for t in terms], "train_records": train_counts, "eval_records": eval_counts,
        "train_share": train_share, "eval_share": eval_share,
        "thin": (eval_counts > 0) & (train_share < settings.thin_ratio * eval_share),
    })
    coverage, nearest = None, np.zeros(0)
    if is_eval.any() and is_train.any():
        _, sims = top_k(vectors[is_eval], vectors[is_train], k=1)
        nearest = sims[:, 0]
        coverage = float((nearest >= settings.coverage_at).mean())
    elif is_eval.any():
        coverage, nearest = 0.0, np.zeros(int(is_eval.sum()))
    return Topics(assignment, centroid_similarity, xy, table, coverage, nearest)


def topic_map_figure(topics: Topics, roles: Sequence[str], title: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    roles = np.asarray(roles, dtype=object)
    figure, axis = plt.subplots(figsize=(8, 6))
    train = roles == "train"
    axis.scatter(topics.xy[train, 0], topics.xy[train, 1], c=topics.assignment[train], cmap="tab20", s=8, alpha=0.6, label="train")
    evals = roles == "eval"
    axis.scatter(topics.xy[evals, 0], topics.xy[evals, 1], c="black", marker="x", s=18, label="eval")
    for row in topics.table.itertuples(index=False):
        members = topics.assignment == row.topic_id
        if members.any():
            cx, cy = topics.xy[members].mean(axis=0)
            axis.annotate(row.label + (" (thin)" if row.thin else ""), (cx, cy), fontsize=7, ha="center",
                          color="#c44e52" if row.thin else "#222222")
    axis.set_title(title)
    axis.set_xlabel("PC 1")
    axis.set_ylabel("PC 2")
    axis.legend(loc="best", fontsize=8)
    figure.tight_layout()
    return figure
