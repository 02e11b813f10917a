"""Profiling a set of instruction records: the statistics a person checks before training on it."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_assets.profile.language import guess_language

TEXT_FIELDS = ("instruction", "input", "response")
_FIRST_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
_POLITE = {"please", "can", "could", "would", "will", "kindly", "you", "i", "now", "then", "also"}
_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)


@dataclass
class Profile:
    stats: pd.DataFrame        # field, statistic, value, label: one row per number
    lengths: pd.DataFrame      # per record: <field>_chars, <field>_tokens
    languages: Counter
    verbs: Counter


def approx_tokens(text: str) -> int:
    """Approximate LLM tokens: about 0.75 words per token for English BPE vocabularies."""
    return int(round(len(text.split()) / 0.75)) if text else 0


def instruction_verb(instruction: str) -> str:
    """The first content word of an instruction, lower-cased: `Please write a poem` -> `write`."""
    for word in _FIRST_WORD.findall(instruction[:200]):
        word = word.lower()
        if word not in _POLITE:
            return word
    return "(none)"


def exact_key(row: pd.Series) -> str:
    text = " ".join(str(row[f]) for f in TEXT_FIELDS)
    return _SPACE.sub(" ", _PUNCT.sub(" ", text.casefold())).strip()


def record_statistics(frame: pd.DataFrame) -> pd.DataFrame:
    """The per-record part of a profile, one row per record: lengths, language, verb, a key of the
    normalized text. A plain function over a batch: the in-process path calls it on the whole frame,
    the Ray path on each Arrow batch (data_assets.scale), and `profile_from_statistics` adds them up."""
    out = pd.DataFrame({"record_id": frame["record_id"].to_numpy(dtype=object) if "record_id" in frame else np.arange(len(frame)).astype(str)})
    for field in TEXT_FIELDS:
        texts = frame[field].fillna("") if field in frame else pd.Series([""] * len(frame), index=frame.index)
        out[f"{field}_chars"] = texts.str.len().to_numpy(dtype=np.int64)
        out[f"{field}_tokens"] = np.array([approx_tokens(t) for t in texts], dtype=np.int64)
        out[f"{field}_empty"] = (texts.str.strip() == "").to_numpy(dtype=bool)
    out["language"] = [guess_language(f"{i} {r}") for i, r in zip(frame.get("instruction", []), frame.get("response", []))]
    out["verb"] = [instruction_verb(i) for i in frame.get("instruction", [])]
    # A 128-bit digest stands for the normalized text, so a batch's statistics stay small.
    out["exact_key"] = [hashlib.blake2b(k.encode(), digest_size=16).hexdigest() for k in frame.apply(exact_key, axis=1)] if len(frame) else []
    out["role"] = frame["role"].astype(object).to_numpy() if "role" in frame else None
    return out


def profile_records(frame: pd.DataFrame) -> Profile:
    return profile_from_statistics(record_statistics(frame))


def profile_from_statistics(records: pd.DataFrame) -> Profile:
    """The profile of the records whose `record_statistics` rows these are (any order: they are sorted
    by record_id, so ties among languages and verbs break the same way wherever the rows came from)."""
    records = records.sort_values("record_id", kind="stable").reset_index(drop=True)
    rows: list[tuple[str, str, float, str | None]] = [("*", "records", float(len(records)), None)]
    lengths = pd.DataFrame(index=records.index)
    for field in TEXT_FIELDS:
        chars = records[f"{field}_chars"].to_numpy(dtype=np.int64)
        tokens = records[f"{field}_tokens"].to_numpy(dtype=np.int64)
        lengths[f"{field}_chars"] = chars
        lengths[f"{field}_tokens"] = tokens
        for unit, values in (("chars", chars), ("tokens", tokens)):
            if len(values):
                for name, q in (("p10", 10), ("p50", 50), ("p90", 90), ("p99", 99)):
                    rows.append((field, f"{unit}_{name}", float(np.percentile(values, q)), None))
                rows.append((field, f"{unit}_mean", float(values.mean()), None))
                rows.append((field, f"{unit}_max", float(values.max()), None))
        empty = records[f"{field}_empty"].to_numpy(dtype=bool)
        rows.append((field, "empty_share", float(empty.mean()) if len(empty) else 0.0, None))
    languages = Counter(records["language"].tolist())
    verbs = Counter(records["verb"].tolist())
    for code, count in languages.most_common():
        rows.append(("*", "language_share", count / max(len(records), 1), code))
    for verb, count in verbs.most_common(15):
        rows.append(("instruction", "verb_share", count / max(len(records), 1), verb))
    if len(records):
        keys = records["exact_key"]
        rows.append(("*", "exact_duplicate_rate", float(1 - keys.nunique() / len(keys)), None))
        if records["role"].notna().any():
            for role, count in records["role"].value_counts().items():
                rows.append(("*", "role_records", float(count), str(role)))
    stats = pd.DataFrame(rows, columns=["field", "statistic", "value", "label"])
    return Profile(stats=stats, lengths=lengths, languages=languages, verbs=verbs)


def summary_table(profile: Profile) -> pd.DataFrame:
    """Per field: median and p90 length in characters and tokens, and the empty share."""
    s = profile.stats
    out = []
    for field in TEXT_FIELDS:
        get = lambda stat: s[(s.field == field) & (s.statistic == stat)]["value"]  # noqa: E731
        if get("chars_p50").empty:
            continue
        out.append({
            "field": field,
            "chars p50": int(get("chars_p50").iloc[0]), "chars p90": int(get("chars_p90").iloc[0]),
            "tokens p50": int(get("tokens_p50").iloc[0]), "tokens p90": int(get("tokens_p90").iloc[0]),
            "empty share": round(float(get("empty_share").iloc[0]), 3),
        })
    return pd.DataFrame(out)


def length_figure(profile: Profile, title: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(12, 3))
    for axis, field in zip(axes, TEXT_FIELDS):
        tokens = profile.lengths[f"{field}_tokens"]
        tokens = tokens[tokens > 0]
        if len(tokens):
            bins = np.logspace(0, np.log10(max(tokens.max(), 2)), 30)
            axis.hist(tokens, bins=bins, color="#4c72b0")
            axis.set_xscale("log")
        axis.set_title(f"{field} (approx. tokens)")
        axis.set_ylabel("records")
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def mix_figure(profile: Profile, title: str):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 3.5))
    languages = profile.languages.most_common(10)
    left.barh([c for c, _ in languages][::-1], [n for _, n in languages][::-1], color="#55a868")
    left.set_title("language mix (records)")
    verbs = profile.verbs.most_common(15)
    right.barh([v for v, _ in verbs][::-1], [n for _, n in verbs][::-1], color="#c44e52")
    right.set_title("top instruction verbs (records)")
    figure.suptitle(title)
    figure.tight_layout()
    return figure
