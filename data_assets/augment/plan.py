"""Which records to augment, and how: fill the thin buckets of the curated profile, nothing more.

A bucket is under-represented when it holds fewer than `min_bucket_share` of the curated records.
Each thin bucket is a gap with a deficit (records missing to reach that share) and a way to fill it:
- a thin domain or task type: new versions of its own records that keep the bucket (paraphrase,
  noise), alternating so one bucket is not filled with a single kind of change;
- a thin style (formal, informal): records of another style rewritten into it;
- a thin length (short, long): responses of other lengths shortened or expanded;
- the configured language, if thin: records translated into it.
Gaps are served in turn, one record each, until every deficit is met, the sources run out, or the
total reaches `max_share` of the curated set. Order within a gap is a seeded hash of the record
id, so the plan is the same on every run with the same inputs.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from dataclasses import dataclass

import pandas as pd

MODEL_METHODS = ("paraphrase", "style_formal", "style_informal", "style_short", "style_long", "translate")
RULE_METHODS = ("noise",)
METHODS = (*MODEL_METHODS, *RULE_METHODS)
# Methods that keep a record in its domain and task type, so they can thicken those buckets.
PRESERVING = ("paraphrase", "noise")


@dataclass(frozen=True)
class PlannedAugmentation:
    parent_id: str
    method: str
    gap: str          # the bucket it fills, e.g. "domain=history"


@dataclass
class Gap:
    name: str
    deficit: int
    sources: list[str]
    methods: tuple[str, ...]


def seeded_order(ids, seed: int) -> list[str]:
    """`ids` in an order fixed by `seed` alone: every run picks the same records to fill a gap,
    whatever order the table gave them in, and another seed picks others."""
    return sorted(ids, key=lambda rid: hashlib.sha256(f"{seed}\x1f{rid}".encode()).hexdigest())


def find_gaps(profiled: pd.DataFrame, methods: tuple[str, ...], language: str, min_bucket_share: float, seed: int = 0) -> list[Gap]:
    """Thin buckets of `profiled` (the output of `text.taxonomy.bucket_frame`) with the records and
    methods that can fill each; a gap no enabled method can fill is left out."""
    n = len(profiled)
    if n == 0:
        return []
    floor = max(1, math.ceil(min_bucket_share * n))
    gaps: list[Gap] = []
    preserving = tuple(m for m in PRESERVING if m in methods)
    for dimension in ("domain", "task_type"):
        counts = Counter(profiled[dimension])
        for bucket in sorted(counts, key=lambda b: (counts[b], b)):
            if counts[bucket] < floor and preserving and bucket not in ("general", "other"):
                members = profiled.loc[profiled[dimension] == bucket, "record_id"]
                gaps.append(Gap(f"{dimension}={bucket}", floor - counts[bucket], seeded_order(members, seed), preserving))
    styles = Counter(profiled["style"])
    for style in ("formal", "informal"):
        method = f"style_{style}"
        if styles[style] < floor and method in methods:
            members = profiled.loc[profiled["style"] != style, "record_id"]
            gaps.append(Gap(f"style={style}", floor - styles[style], seeded_order(members, seed), (method,)))
    lengths = Counter(profiled["length"])
    for length, donors in (("short", ("medium", "long")), ("long", ("medium",))):
        method = f"style_{length}"
        if lengths[length] < floor and method in methods:
            members = profiled.loc[profiled["length"].isin(donors), "record_id"]
            gaps.append(Gap(f"length={length}", floor - lengths[length], seeded_order(members, seed), (method,)))
    languages = Counter(profiled["language"])
    if language and "translate" in methods and languages[language] < floor:
        # Translate records of the thinnest domains first, so the new language also adds breadth.
        domain_counts = Counter(profiled["domain"])
        donors = profiled[profiled["language"] != language]
        ranked = sorted(seeded_order(donors["record_id"], seed),
                        key=lambda rid, d=dict(zip(donors["record_id"], donors["domain"])): domain_counts[d[rid]])
        gaps.append(Gap(f"language={language}", floor - languages[language], ranked, ("translate",)))
    return [g for g in gaps if g.sources]


def plan_augmentations(gaps: list[Gap], budget: int, max_per_record: int = 1) -> list[PlannedAugmentation]:
    """Serve the gaps in turn, one augmentation each, until the budget or every gap is used up."""
    plan: list[PlannedAugmentation] = []
    used: Counter[str] = Counter()
    done: set[tuple[str, str]] = set()
    filled = {g.name: 0 for g in gaps}
    cursor = {g.name: 0 for g in gaps}
    # Each gap starts its rotation of methods one further along than the gap before it, so that
    # small gaps (one or two records) do not all get the first method.
    offset = {g.name: i for i, g in enumerate(gaps)}
    active = list(gaps)
    while active and len(plan) < budget:
        for gap in list(active):
            if len(plan) >= budget:
                break
            placed = False
            while cursor[gap.name] < len(gap.sources):
                parent = gap.sources[cursor[gap.name]]
                cursor[gap.name] += 1
                method = gap.methods[(filled[gap.name] + offset[gap.name]) % len(gap.methods)]
                if used[parent] >= max_per_record or (parent, method) in done:
                    continue
                plan.append(PlannedAugmentation(parent, method, gap.name))
                used[parent] += 1
                done.add((parent, method))
                filled[gap.name] += 1
                placed = True
                break
            if not placed or filled[gap.name] >= gap.deficit:
                active.remove(gap)
    return plan
