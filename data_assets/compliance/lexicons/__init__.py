"""Word lists the person and place detectors read: plain text, one entry per line (or several
per line, space separated, for single-word lists), `#` starts a comment. Loaded once."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_HERE = Path(__file__).parent


@cache
def words(name: str) -> frozenset[str]:
    """Every whitespace-separated word of `<name>.txt`, lowercase."""
    entries: set[str] = set()
    for line in (_HERE / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            entries.update(line.lower().split())
    return frozenset(entries)


@cache
def phrases(name: str) -> frozenset[str]:
    """Every line of `<name>.txt` as one lowercase entry (multi-word names stay whole)."""
    lines = (_HERE / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(" ".join(line.lower().split()) for line in lines if line.strip() and not line.startswith("#"))
