"""Public figures and fictional characters: names that are the content, not private data.

"Who wrote 1984? George Orwell" names a public figure as the subject of the instruction;
redacting him destroys the training example and protects no one. A PERSON finding is
re-typed PUBLIC_FIGURE (flagged by the default policy, see policy.py) when it overlaps a
listed name (`lexicons/public_figures.txt`):
- a full name or title, matched whole ("Albert Einstein", "Alice in Wonderland");
- a one-word entry, when the PERSON run is that word alone ("Einstein", "Picasso": the list
  only holds words that alone mean the famous person; "Cleopatra Nowicka" and "Mr.
  Newton" stay PERSON);
- the surname of a listed full name as the whole PERSON run, when the text supports it: the
  full name appears in the same text ("George Orwell ... Orwell wrote"), or a cue of
  authorship or reference precedes it ("by Hemingway", "like Orwell"), or it is a possessive ("Melville's novel").
  The cue and the possessive count only for surnames that are rare as names (not in our
  given-name, surname or common-word lists): "by Hinton" could be anyone, "by Hemingway"
  hardly. A surname alone without that support stays PERSON: "Johnson called" is anyone.
"""

from __future__ import annotations

import bisect
import re
from functools import cache
from operator import attrgetter

from data_assets.compliance.findings import Finding
from data_assets.compliance.lexicons import phrases, words
from data_assets.compliance.names import eponym_follows
from data_assets.compliance.tokens import Token, capitalized_tokens, tokenize

SCORE = 0.85
_SURNAME_CUE = re.compile(r"(?i)(?:\bby|\bof|\blike|\bfrom|\babout|\bauthor|\bpoet|\bnovelist|\bpainter|\bcomposer|"
                          r"\bscientist|\bphysicist|\bphilosopher|\bpresident)\s*$")
_POSSESSIVE = re.compile(r"^['’]s\b")
# Between the words of a listed name: spaces, the dot of an initial, the comma of ", Jr".
_GAP = re.compile(r"^[\s.,]*$")
# A listed name may start a few words before the PERSON run it explains ("The Great Gatsby").
_LOOK_BACK = 4


@cache
def _lexicon() -> tuple[dict[str, tuple[tuple[str, ...], ...]], dict[str, frozenset[tuple[str, ...]]], frozenset[str]]:
    """(listed names by first word, longest first; full names by surname; surnames rare as names)."""
    entries = {tuple(t.lower for t in tokenize(name)) for name in phrases("public_figures")}
    by_first: dict[str, list[tuple[str, ...]]] = {}
    by_surname: dict[str, set[tuple[str, ...]]] = {}
    for entry in entries:
        if not entry:
            continue
        by_first.setdefault(entry[0], []).append(entry)
        if len(entry) > 1 and len(entry[-1]) > 3 and entry[-1] not in ("jr", "sr", "iii"):
            by_surname.setdefault(entry[-1], set()).add(entry)
    ordinary = words("first_names") | words("surnames") | words("ordinary_words")
    rare = frozenset(k for k in by_surname if k not in ordinary)
    return (
        {k: tuple(sorted(v, key=len, reverse=True)) for k, v in by_first.items()},
        {k: frozenset(v) for k, v in by_surname.items()},
        rare,
    )


def _listed_at(text: str, tokens: tuple[Token, ...], i: int, lowercase_text: bool) -> int:
    """How many tokens from `i` on form a listed name (0: none)."""
    first = tokens[i]
    # In cased text a name is capitalized: "the mad hatter" is a phrase, "Mad Hatter" a character.
    if not (lowercase_text or first.text[0].isupper()):
        return 0
    entries = _by_first_and_length().get(first.lower)
    if entries is None:
        return 0
    # The lowercase words from here on, as long as the longest entry: one set lookup per entry
    # length (longest first) instead of a comparison per entry ("john" starts dozens).
    lowers = tuple(t.lower for t in tokens[i:i + entries[0][0]])
    for k, listed in entries:
        if k <= len(lowers) and lowers[:k] in listed and all(
            _GAP.match(text[tokens[i + j].end:tokens[i + j + 1].start]) for j in range(k - 1)
        ):
            return k
    return 0


@cache
def _by_first_and_length() -> dict[str, tuple[tuple[int, frozenset[tuple[str, ...]]], ...]]:
    """The listed names by first word, grouped by length, longest first."""
    by_first, _, _ = _lexicon()
    return {first: tuple((k, frozenset(e for e in entries if len(e) == k)) for k in sorted({len(e) for e in entries}, reverse=True))
            for first, entries in by_first.items()}


def public_figures(text: str, people: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    """(`people` minus the public figures among them, the PUBLIC_FIGURE findings).

    Only where the PERSON detector found a name: a listed title nobody took for a name
    ("Hamlet" in lowercase prose) needs no finding. A PERSON run that overlaps a listed name is
    replaced by the listed span: "B. Albert Einstein" (an answer option) and "Explain
    Einstein" both leave only the name, which is what is flagged.
    """
    _, by_surname, rare = _lexicon()
    tokens = tokenize(text)
    if not people:
        return people, _listed_alone(text, tokens, [])
    starts = list(map(attrgetter("start"), tokens))  # in C: a long text has hundreds of tokens
    lowercase_text = text == text.lower()
    spans: dict[int, tuple[int, int]] = {}   # PERSON finding index -> listed span
    unmatched: list[int] = []
    mentioned: set[tuple[str, ...]] = set()
    for n, f in enumerate(people):
        first = bisect.bisect_left(starts, f.start)
        last = bisect.bisect_left(starts, f.end)
        for i in range(max(0, first - _LOOK_BACK), last):
            k = _listed_at(text, tokens, i, lowercase_text)
            # A one-word entry explains a run of that word alone: "Cleopatra Nowicka" is
            # someone named after her.
            # "Mr. Newton" is someone addressed in person, not the physicist.
            if k == 1 and ((tokens[i].start, tokens[i].end) != (f.start, f.end) or f.detector == "name_title"):
                continue
            if k and tokens[i + k - 1].end > f.start:
                spans[n] = (tokens[i].start, tokens[i + k - 1].end)
                mentioned.add(tuple(t.lower for t in tokens[i:i + k]))
                break
        else:
            unmatched.append(n)
    for n in unmatched:
        f = people[n]
        first = bisect.bisect_left(starts, f.start)
        last = bisect.bisect_left(starts, f.end)
        if last - first != 1 or f.detector == "name_title":
            continue
        for token in tokens[first:last]:
            if token.lower not in by_surname or not (lowercase_text or token.text[0].isupper()):
                continue
            supported = bool(by_surname[token.lower] & mentioned) or (
                token.lower in rare
                and (bool(_SURNAME_CUE.search(text[max(0, token.start - 24):token.start]))
                     or bool(_POSSESSIVE.match(text[token.end:])))
            )
            if supported:
                spans[n] = (token.start, token.end)
                break
    kept = [f for n, f in enumerate(people) if n not in spans]
    figures = {span: Finding(*span, "PUBLIC_FIGURE", "public_figure", SCORE) for span in spans.values()}
    figures.update({(f.start, f.end): f for f in _listed_alone(text, tokens, [*kept, *figures.values()])})
    return kept, sorted(figures.values(), key=lambda f: (f.start, f.end))


def _listed_alone(text: str, tokens: tuple[Token, ...], taken: list[Finding]) -> list[Finding]:
    """Listed names the person detector did not take for a name ("Explain Einstein's theory"):
    flagged all the same, so a stricter policy can act on them and counts see them."""
    by_first, _, _ = _lexicon()
    lowercase_text = text == text.lower()
    found: list[Finding] = []
    if lowercase_text:
        return found
    next_free = 0
    for i in [i for i in capitalized_tokens(text) if tokens[i].lower in by_first]:
        if i < next_free:
            continue
        k = _listed_at(text, tokens, i, lowercase_text)
        if k:
            start, end = tokens[i].start, tokens[i + k - 1].end
            # "Newton's laws" names a law, not the man.
            if not any(f.start < end and start < f.end for f in taken) and not eponym_follows(text, end):
                found.append(Finding(start, end, "PUBLIC_FIGURE", "public_figure", SCORE))
            next_free = i + k
    return found
