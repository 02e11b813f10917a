"""A task-type label per instruction, for the diverse-versus-narrow comparison.

Where a record carries no task type, this cheap rule decides: the instruction's first word
(after an opening "Given ...," clause),
looked up in a table of imperative verbs; failing that, the first keyword rule that matches
anywhere in the instruction; failing that, a question word makes it `open_qa`; else `other`.
Rules are ordered from the most to the least specific (a "write a function" is code, not
writing), so one label wins deterministically. The labels are coarse on purpose: they only
need to separate kinds of work well enough to draw "many kinds" against "few kinds".
"""

from __future__ import annotations

import re

TASK_TYPES = (
    "code", "math", "translate", "classify", "summarize", "extract", "rewrite",
    "list", "write", "explain", "open_qa", "other",
)

_KEYWORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
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

_FIRST_VERBS = {
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
_QUESTION = re.compile(r"^(what|why|how|who|when|where|which|is|are|can|does|do|should)\b|\?\s*$")
_GIVEN = re.compile(r"^(given|based on|using|for|in)\b[^,]*,\s*")
_WORD = re.compile(r"[a-z][a-z+']*")


def task_type(instruction: str) -> str:
    text = instruction.strip().lower()
    # Code and math keywords override the first verb: "write a function" and "find the sum of" are
    # judged by what they ask for, not by the verb they open with.
    for label in ("code", "math"):
        if dict(_KEYWORDS)[label].search(text):
            return label
    # "Given a sentence, remove ..." asks to remove: the verb after the opening clause decides.
    opening = _GIVEN.match(text)
    first = _WORD.search(text, opening.end() if opening else 0)
    if first and first.group(0) in _FIRST_VERBS:
        return _FIRST_VERBS[first.group(0)]
    for label, pattern in _KEYWORDS:
        if pattern.search(text):
            return label
    if _QUESTION.search(text):
        return "open_qa"
    return "other"
