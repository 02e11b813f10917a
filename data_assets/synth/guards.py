"""The rules human data passes, applied to generated text: near-duplicates and the PII re-scan.

Both come from their own stages (dedup, compliance) so that generated and augmented records are
held to exactly the rules the human records were.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd


def record_text(instruction: str, input_text: str, response: str) -> str:
    return "\n".join([instruction, input_text, response])


def near_duplicate_index(records: Iterable[tuple[str, str]], threshold: float):
    from data_assets.dedup import NearDuplicateIndex

    index = NearDuplicateIndex(threshold)
    for key, text in records:
        index.add(key, text)
    return index


def curated_near_duplicates(curated: pd.DataFrame, threshold: float) -> Callable[[str], str | None]:
    """`text -> id of a curated record it nearly duplicates, or None`."""
    index = near_duplicate_index(
        ((rid, record_text(i, x, r)) for rid, i, x, r in zip(curated["record_id"], curated["instruction"], curated["input"], curated["response"])),
        threshold,
    )

    def query(text: str) -> str | None:
        hits = index.query(text)
        return str(hits[0]) if hits else None

    return query


def rescan(fields: dict[str, str]):
    """The compliance scan with its default policy: `.status` pass | redacted | dropped, `.fields`, `.reasons`."""
    from data_assets.compliance import scan_and_redact

    return scan_and_redact(fields)
