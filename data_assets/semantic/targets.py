"""What other stages take from the topic clusters: augmentation gaps for thin topics, and a topic
label per curated record for the curves' diverse-versus-narrow comparison. Both read the tables
`topic_clusters` writes and fall back to nothing when it has not run (no `[semantic]` extra)."""

from __future__ import annotations

import duckdb
import pandas as pd

from data_assets.semantic.stage import thin_topic_members


def _has_topics(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'semantic' "
                            "AND table_name = 'topic_members'").fetchone()[0])


def topic_gaps(con: duckdb.DuckDBPyConnection, methods: tuple[str, ...], seed: int = 0) -> list:
    """One augmentation gap per thin topic (train share under thin_ratio x eval share): new versions of
    its own records, by the methods that keep a record's task (paraphrase, noise)."""
    from data_assets.augment.plan import PRESERVING, Gap, seeded_order

    preserving = tuple(m for m in PRESERVING if m in methods)
    if not preserving or not _has_topics(con):
        return []
    members = thin_topic_members(con)
    gaps = []
    for (topic_id, label), group in members.groupby(["topic_id", "label"], sort=True):
        gaps.append(Gap(f"topic={label}", int(group["deficit"].iloc[0]), seeded_order(group["record_id"], seed), preserving))
    return gaps


def with_topics(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with a `topic` column: each record's topic label, None where it has none."""
    if frame.empty or not _has_topics(con):
        return frame.assign(topic=None)
    labels = con.execute("""SELECT m.record_id, t.label AS topic FROM semantic.topic_members m
                            JOIN semantic.topics t USING (topic_id)""").df()
    merged = frame.merge(labels, on="record_id", how="left")
    merged["topic"] = merged["topic"].astype(object).where(merged["topic"].notna(), None)
    return merged
