"""Word lists the person and place detectors read: plain text, one entry per line (or several
per line, space separated, for single-word lists), `#` starts a comment. Loaded once."""

from __future__ import annotations

import unicodedata
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
    """Every line of `<name>.txt` as one lowercase entry (multi-word names stay whole), and the
    same entry without its accents: English text writes "Reykjavik" for "Reykjavík"."""
    lines = (_HERE / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    entries = {" ".join(line.lower().split()) for line in lines if line.strip() and not line.startswith("#")}
    return frozenset(entries | {without_accents(e) for e in entries})


def without_accents(text: str) -> str:
    """`text` with its combining marks removed ("reykjavík" -> "reykjavik")."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
