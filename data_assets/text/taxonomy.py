"""The task taxonomy: the buckets an instruction record falls into, in one place.

Every record gets one bucket per dimension (domain, task type, style, length, language), from
cheap, explainable rules (keywords, a script and stopword language detector, word counts), so a
person can see why a record landed where it did. Augmentation augments the records of the thin
buckets; synthesis steers generation toward them. The curves stage's diverse-versus-narrow
comparison uses the coarser `coarse_task_type` at the end of this module.
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


# The curves stage's coarse task labels.
COARSE_TASK_TYPES = (
    "code", "math", "translate", "classify", "summarize", "extract", "rewrite",
    "list", "write", "explain", "open_qa", "other",
)

_COARSE_KEYWORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("code", re.compile(r"\b(code|function|program|python|java(script)?|sql|html|css|regex|algorithm|script|c\+\+|compile)\b")),
    ("math", re.compile(r"\b(calculate|compute|solve|equation|sum of|product of|area of|percent(age)?|convert \d|how many|\d+\s*[-+*/x^]\s*\d+)")),
    ("translate", re.compile(r"\b(translate|translation|in (french|spanish|german|chinese|italian|japanese))\b")),
    ("classify", re.compile(r"\b(classify|categori[sz]e|sentiment|label|is (this|the following)|determine (whether|if)|which (of|one))\b")),
    ("summarize", re.compile(r"\b(summari[sz]e|summary|tl;?dr|condense|in one sentence)\b")),
    ("extract", re.compile(r"\b(extract|find all|pick out|identify the)\b")),
    ("rewrite", re.compile(r"\b(rewrite|re-write|paraphrase|rephrase|edit|correct|proofread|improve|simplify|convert)\b")),
    ("list", re.compile(r"\b(list|brainstorm|name (some|a few|three|five|\d+)|give (me )?(some|a few|\d+|three|five) (examples|ideas|ways|tips))\b")),
    ("write", re.compile(r"\b(write|compose|create|generate|draft|design|come up with|make up|invent)\b")),
    ("explain", re.compile(r"\b(explain|describe|discuss|compare|analy[sz]e|outline|elaborate)\b")),
)

_COARSE_FIRST_VERBS = {
    "classify": "classify", "categorize": "classify", "categorise": "classify", "label": "classify",
    "summarize": "summarize", "summarise": "summarize",
    "translate": "translate",
    "calculate": "math", "compute": "math", "solve": "math", "evaluate": "math",
    "extract": "extract", "find": "extract", "identify": "extract",
    "rewrite": "rewrite", "paraphrase": "rewrite", "rephrase": "rewrite", "edit": "rewrite",
    "correct": "rewrite", "convert": "rewrite", "reword": "rewrite", "simplify": "rewrite",
    "list": "list", "name": "list", "brainstorm": "list", "suggest": "list", "enumerate": "list",
    "write": "write", "compose": "write", "create": "write", "generate": "write", "draft": "write",
    "design": "write", "construct": "write", "invent": "write", "develop": "write", "formulate": "write",
    "produce": "write", "make": "write", "compile": "list",
    "change": "rewrite", "transform": "rewrite", "replace": "rewrite", "insert": "rewrite", "add": "rewrite",
    "rearrange": "rewrite", "arrange": "rewrite", "reverse": "rewrite", "delete": "rewrite", "remove": "rewrite",
    "complete": "rewrite", "combine": "rewrite",
    "rank": "classify", "sort": "classify", "select": "classify", "choose": "classify", "match": "classify",
    "group": "classify", "assign": "classify", "predict": "classify", "determine": "classify", "estimate": "math",
    "tell": "explain", "give": "explain", "provide": "explain", "offer": "explain",
    "explain": "explain", "describe": "explain", "discuss": "explain", "compare": "explain",
    "analyze": "explain", "analyse": "explain", "outline": "explain",
}
_COARSE_QUESTION = re.compile(r"^(what|why|how|who|when|where|which|is|are|can|does|do|should)\b|\?\s*$")
_COARSE_GIVEN = re.compile(r"^(given|based on|using|for|in)\b[^,]*,\s*")
_COARSE_WORD = re.compile(r"[a-z][a-z+']*")


def coarse_task_type(instruction: str) -> str:
    """A task-type label per instruction, for the curves stage's diverse-versus-narrow comparison.

    Where a record carries no task type, this cheap rule decides: the instruction's first word
    (after an opening "Given ...," clause) looked up in a table of imperative verbs; failing that, the first keyword rule that matches
    anywhere in the instruction; failing that, a question word makes it `open_qa`; else `other`.
    Rules are ordered from the most to the least specific (a "write a function" is code, not
    writing), so one label wins deterministically. The labels are coarse on purpose: they only
    need to separate kinds of work well enough to draw "many kinds" against "few kinds".
    """
    text = instruction.strip().lower()
    # Code and math keywords override the first verb: "write a function" and "find the sum of" are
    # judged by what they ask for, not by the verb they open with.
    for label in ("code", "math"):
        if dict(_COARSE_KEYWORDS)[label].search(text):
            return label
    # "Given a sentence, remove ..." asks to remove: the verb after the opening clause decides.
    opening = _COARSE_GIVEN.match(text)
    first = _COARSE_WORD.search(text, opening.end() if opening else 0)
    if first and first.group(0) in _COARSE_FIRST_VERBS:
        return _COARSE_FIRST_VERBS[first.group(0)]
    for label, pattern in _COARSE_KEYWORDS:
        if pattern.search(text):
            return label
    if _COARSE_QUESTION.search(text):
        return "open_qa"
    return "other"
