"""The coverage profile of a set of instruction records: which buckets it fills and which it lacks.

Every record gets one bucket per dimension, from cheap, explainable rules (keywords, a script and
stopword language detector, word counts), so a person can see why a record landed where it did.
Augmentation augments the records of the thin buckets; synthesis steers generation toward them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from data_assets.profile.language import guess_language

DIMENSIONS = ("domain", "task_type", "style", "length", "language")

# Checked in order; the first domain with a keyword hit wins, so the narrow domains come first.
DOMAIN_KEYWORDS: dict[str, tuple[str, ...]] = {
    "programming": ("code", "python", "javascript", "function", "sql", "program", "algorithm", "compile", "java", "html",
                    "css", "variable", "api", "regex", "database", "debug", "software", "bug"),
    "math": ("calculate", "equation", "sum of", "multiply", "divide", "integer", "fraction", "percent", "average",
             "median", "probability", "number", "numbers", "arithmetic", "solve", "geometry", "triangle", "digits"),
    "science": ("physics", "chemistry", "biology", "atom", "molecule", "cell", "energy", "planet", "climate",
                "species", "experiment", "scientific", "photosynthesis", "gravity", "electron", "dna", "evolution"),
    "health": ("health", "disease", "doctor", "symptom", "exercise", "diet", "medical", "sleep", "nutrition",
               "mental", "vitamin", "patient", "fitness"),
    "finance": ("money", "invest", "stock", "bank", "budget", "finance", "financial", "price", "tax", "loan",
                "economy", "economic", "market", "business", "company", "marketing", "sales", "customer"),
    "food": ("recipe", "cook", "cooking", "food", "bake", "ingredient", "meal", "restaurant", "dish", "kitchen",
             "fruit", "vegetable", "cake"),
    "travel": ("travel", "trip", "city", "country", "hotel", "flight", "vacation", "tourist", "visit"),
    "history": ("history", "historical", "war", "century", "ancient", "empire", "president", "revolution", "king"),
    "sports": ("sport", "football", "soccer", "basketball", "tennis", "team", "game", "player", "olympic"),
    "arts": ("poem", "story", "novel", "music", "song", "painting", "film", "movie", "art", "author", "book",
             "character", "poetry"),
    "language": ("sentence", "word", "grammar", "synonym", "antonym", "translate", "paragraph", "verb", "noun",
                 "adjective", "spelling", "rewrite", "text"),
}
GENERAL_DOMAIN = "general"
DOMAINS = (*DOMAIN_KEYWORDS, GENERAL_DOMAIN)

# Patterns on the instruction, checked in order: the verb that says what the task is wins.
TASK_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("code", r"\b(write|implement|create|generate|fix|debug)\b.*\b(code|function|program|script|query|class|regex)\b|\b(python|javascript|sql|java|c\+\+)\b"),
        ("translation", r"\btranslat(e|ion)\b"),
        ("summarization", r"\b(summari[sz]e|summary|tl;?dr|in (a|one) sentence)\b"),
        ("classification", r"\b(classify|categori[sz]e|which (category|class)|label (the|each|this)|is (this|the following) (a|an)?\b.*\b(or)\b|positive or negative|sentiment)\b"),
        ("extraction", r"\b(extract|identify (all|the)|find (all|the) .* in|pull out|list (all )?the .* (mentioned|in the))\b"),
        ("transformation", r"\b(sort|reverse|convert|reorder|alphabeti[sz]e|uppercase|lowercase|format (this|the))\b"),
        ("math", r"\b(calculate|compute|solve|how (many|much)|what is \d|evaluate)\b|\d+\s*[-+*/x×]\s*\d+"),
        ("rewriting", r"\b(rewrite|paraphrase|rephrase|edit|correct|improve|simplify|make .* more)\b"),
        ("creative_writing", r"\b(write|compose|create) (a |an )?(short )?(story|poem|song|haiku|essay|letter|tweet|slogan|speech|dialogue|blog)\b"),
        ("brainstorming", r"\b(brainstorm|list|suggest|give (me )?(some|\d+|a few)|generate (some|\d+|a list)|ideas?|tips)\b"),
        ("generation", r"^\s*(please\s+)?(generate|create|write|design|construct|compose|develop|produce|come up with|make|build|formulate|propose|draft|invent)\b"),
        ("open_qa", r"^\s*(please\s+)?(what|why|how|who|when|where|which|explain|describe|tell me|can you|do you|is it|are there|name|give|provide|identify|find|compare|discuss|analy[sz]e|outline|determine|select|state|define|list)\b|\?\s*$"),
    )
)
OTHER_TASK = "other"
TASK_TYPES = (*(name for name, _ in TASK_PATTERNS), "closed_qa", OTHER_TASK)

STYLES = ("formal", "informal", "neutral")
_INFORMAL = re.compile(
    r"\b(hey|hi|lol|gonna|wanna|gotta|kinda|pls|plz|thx|u|ur|yeah|yep|nope|dunno|btw|omg|ok|okay|cool|awesome|stuff)\b"
    r"|!{2,}|\?{2,}|:\)|:\(|\b\w+n't\b|\bi'm\b"
)
_FORMAL = re.compile(
    r"\b(kindly|would you|could you|please|furthermore|moreover|therefore|hence|thus|regarding|pursuant|"
    r"accordingly|whereas|shall|respectively|consequently)\b",
    re.IGNORECASE,
)

LENGTHS = ("short", "medium", "long")
# Response words; chosen so that the Alpaca-style corpora split roughly in thirds.
SHORT_MAX_WORDS = 25
MEDIUM_MAX_WORDS = 100

LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "ru", "zh", "ja", "ar", "hi", "other")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class Buckets:
    domain: str
    task_type: str
    style: str
    length: str
    language: str

    def as_dict(self) -> dict[str, str]:
        return {d: getattr(self, d) for d in DIMENSIONS}


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def detect_domain(text: str) -> str:
    words = set(_words(text))
    lowered = text.lower()
    best, best_hits = GENERAL_DOMAIN, 0
    for domain, keywords in DOMAIN_KEYWORDS.items():
        hits = sum(1 for k in keywords if (k in lowered if " " in k else k in words))
        if hits > best_hits:
            best, best_hits = domain, hits
    return best


def detect_task_type(instruction: str, input_text: str = "") -> str:
    for name, pattern in TASK_PATTERNS:
        if pattern.search(instruction):
            if name == "open_qa" and input_text.strip():
                return "closed_qa"
            return name
    return "closed_qa" if input_text.strip() else OTHER_TASK


def detect_style(instruction: str) -> str:
    informal = len(_INFORMAL.findall(instruction.lower()))
    starts_lower = bool(instruction[:1].islower())
    formal = len(_FORMAL.findall(instruction))
    if informal + starts_lower > formal:
        return "informal"
    if formal > 0:
        return "formal"
    return "neutral"


def length_bucket(response: str) -> str:
    n = len(response.split())
    if n <= SHORT_MAX_WORDS:
        return "short"
    return "medium" if n <= MEDIUM_MAX_WORDS else "long"


def detect_language(text: str) -> str:
    """The profile stage's language guess, folded into this module's LANGUAGES ('other' for the rest)."""
    language = guess_language(text[:4000])
    return language if language in LANGUAGES else "other"


def bucket_record(instruction: str, input_text: str, response: str) -> Buckets:
    return Buckets(
        domain=detect_domain(f"{instruction}\n{input_text}"),
        task_type=detect_task_type(instruction, input_text),
        style=detect_style(instruction),
        length=length_bucket(response),
        language=detect_language(f"{instruction}\n{input_text}\n{response}"),
    )


def bucket_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` (instruction, input, response, ...) with one column per dimension added."""
    buckets = [bucket_record(i, x, r).as_dict() for i, x, r in zip(frame["instruction"], frame["input"], frame["response"])]
    out = frame.copy()
    for dimension in DIMENSIONS:
        out[dimension] = [b[dimension] for b in buckets] if buckets else pd.Series(dtype="object")
    return out


def distribution(buckets: Iterable[Mapping[str, str]]) -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = {d: Counter() for d in DIMENSIONS}
    for row in buckets:
        for dimension in DIMENSIONS:
            counts[dimension][row[dimension]] += 1
    return counts


def distribution_frame(before: Mapping[str, Counter[str]], after: Mapping[str, Counter[str]]) -> pd.DataFrame:
    """One row per (dimension, bucket) with counts and shares before and after, for metadata."""
    rows = []
    for dimension in DIMENSIONS:
        total_before = sum(before[dimension].values()) or 1
        total_after = sum(after[dimension].values()) or 1
        for bucket in sorted(set(before[dimension]) | set(after[dimension])):
            b, a = before[dimension][bucket], after[dimension][bucket]
            rows.append({
                "dimension": dimension, "bucket": bucket,
                "before": b, "before_share": round(b / total_before, 3),
                "after": a, "after_share": round(a / total_after, 3),
            })
    return pd.DataFrame(rows, columns=["dimension", "bucket", "before", "before_share", "after", "after_share"])
