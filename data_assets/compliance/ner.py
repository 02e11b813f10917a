"""An optional statistical NER model beside the rule-based detectors: a spaCy pipeline's PERSON
entities (and GPE/LOC as LOCATION), for teams that have a model installed.

The rules find names with a cue, a title, or word lists behind them; a trained model also finds
names that have none of these ("Yesterday Okonkwo Adeyemi-Laurent signed the lease"). Set the
policy's `ner_model` (the `compliance_documents` config `ner_model`) to an installed spaCy
pipeline name or a directory (`en_core_web_lg`, `/models/my_ner`); the default is no model, and
spaCy is not imported then. spaCy is the `[ner]` extra; install a model with
`python -m spacy download en_core_web_lg` (it downloads: do it where the network allows, or
`pip install` the model's wheel).

How its entities join the rules' (`merge_people`):
- a PERSON entity that overlaps a rule-found name becomes one finding over both spans, so neither
  leaves a piece of the name behind; the rules' detector name is kept, or `ner` where the rules
  only guessed (an unknown word pair, a lone name);
- a PERSON entity of one word is a lone name (`ner_alone`), which detect.py treats like the
  rules' lone given name: PII next to other PII, a flagged GIVEN_NAME in text that holds nothing
  else. A model is no better than the rules at knowing whether "Jane" in a story identifies anyone;
- the public-figure list and the creative-writing rule apply to its names as to the rules'.

Entities that touch a redaction placeholder (read as NUL characters, see detect.py) are ignored.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from data_assets.compliance.findings import Finding

SCORE = 0.85
# Only the entity recognizer (and the layers it reads) is needed: the parser, tagger and lemmatizer
# cost most of a pipeline's time and change no entity.
_UNUSED_PIPES = ("parser", "tagger", "morphologizer", "lemmatizer", "attribute_ruler", "senter", "textcat")
_PEOPLE = frozenset({"PERSON", "PER"})
_PLACES = frozenset({"GPE", "LOC"})


class NerModelError(ValueError):
    """The configured model cannot be loaded (not installed, not a spaCy pipeline, no entities)."""


@lru_cache(maxsize=4)
def load(model: str) -> Any:
    """The spaCy pipeline `model` (a package name or a directory), loaded once per process."""
    try:
        import spacy
    except ImportError as error:  # the [ner] extra; the dev extras bring it with presidio-analyzer
        raise NerModelError(f"ner_model {model!r} needs spaCy: pip install -e '.[ner]'") from error
    try:
        nlp = spacy.load(model, exclude=list(_UNUSED_PIPES))
    except OSError as error:
        raise NerModelError(
            f"ner_model {model!r} is not an installed spaCy pipeline nor a pipeline directory; install it with "
            f"`python -m spacy download {model}` or set ner_model to the directory of a saved pipeline"
        ) from error
    if not ({"ner", "entity_ruler", "span_ruler"} & set(nlp.pipe_names)):
        raise NerModelError(f"ner_model {model!r} has no entity recognizer (its pipes: {', '.join(nlp.pipe_names) or 'none'})")
    return nlp


def entities(text: str, model: str) -> tuple[list[Finding], list[Finding]]:
    """(PERSON findings, LOCATION findings) the model reports in `text`, offsets into `text`."""
    people: list[Finding] = []
    places: list[Finding] = []
    if not text.strip():
        return people, places
    for ent in load(model)(text).ents:
        value = ent.text
        if "\x00" in value or not any(c.isalpha() for c in value):
            continue
        if ent.label_ in _PEOPLE:
            detector = "ner_alone" if len(value.split()) == 1 else "ner"
            people.append(Finding(ent.start_char, ent.end_char, "PERSON", detector, SCORE))
        elif ent.label_ in _PLACES:
            places.append(Finding(ent.start_char, ent.end_char, "LOCATION", "ner", SCORE))
    return people, places


# The rules' guesses that a model's agreement turns into a name: an unknown word pair only other
# PII would confirm, a lone word.
_GUESSES = frozenset({"name_unknown", "name_alone"})


def merge_people(rules: list[Finding], model: list[Finding]) -> list[Finding]:
    """The rules' PERSON findings joined with the model's (see the module docstring); in text order."""
    if not model:
        return rules
    merged = list(rules)
    for found in model:
        touched = [f for f in merged if f.start < found.end and found.start < f.end]
        if not touched:
            merged.append(found)
            continue
        start = min(found.start, *(f.start for f in touched))
        end = max(found.end, *(f.end for f in touched))
        sure = [f for f in touched if f.detector not in _GUESSES]
        if sure:
            detector = sure[0].detector
        elif found.detector == "ner_alone" and all(f.detector == "name_alone" for f in touched):
            detector = "name_alone"
        else:
            detector = "ner"
        score = max(found.score, *(f.score for f in touched))
        merged = [f for f in merged if f not in touched] + [Finding(start, end, "PERSON", detector, score)]
    return sorted(merged, key=lambda f: (f.start, f.end))
