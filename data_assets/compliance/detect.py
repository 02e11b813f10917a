"""All detectors over one text, overlaps settled, on the normalized view of the text."""

from __future__ import annotations

import re

from data_assets.compliance import ner
from data_assets.compliance.findings import Finding, resolve_overlaps, without_overlaps
from data_assets.compliance.names import addressees, people
from data_assets.compliance.normalize import NormalizedText, normalize
from data_assets.compliance.places import locations
from data_assets.compliance.public_figures import public_figures
from data_assets.compliance.secrets import secrets
from data_assets.compliance.structured import detect_structured
from data_assets.compliance.tables import names_in_data

# The placeholders redaction writes ([EMAIL_1], [PERSON], [STREET_ADDRESS_12]).
PLACEHOLDER = re.compile(r"\[[A-Z][A-Z_]*[A-Z](?:_\d+)?\]")
# What a placeholder reads as to the detectors: characters no pattern takes for a letter, a
# digit or a space, so "Paul-[STREET_ADDRESS_1] street" or "21 [PERSON_1] matía 66" make no
# new name, address or number out of the placeholder and its neighbours.
_OPAQUE = "\x00"


def detect(text: str, ner_model: str | None = None) -> list[Finding]:
    """Every finding in `text`, non-overlapping, in text order, with offsets into `text`;
    with `ner_model`, a spaCy pipeline's entities join the rules' (`ner.py`).

    Detection runs on the normalized view (`normalize.py`: NFKC, zero-width and format
    characters removed, Unicode spaces as spaces); each finding is mapped back to the original
    text and covers every original character of its span, hidden ones included."""
    if not text:
        return []
    return detect_normalized(normalize(text), ner_model)


def detect_normalized(view: NormalizedText, ner_model: str | None = None) -> list[Finding]:
    """`detect` over `view = normalize(text)`, for a caller that needs the view too (the scan
    reads it again for blocked terms): offsets into `view.original`."""
    if not view.text:
        return []
    found = detect_view(view.text, ner_model)
    if view.identity:
        return found
    out = []
    for f in found:
        start, end = view.span(f.start, f.end)
        out.append(Finding(start, end, f.entity_type, f.detector, f.score))
    return out


def detect_view(text: str, ner_model: str | None = None) -> list[Finding]:
    """The detectors over an already normalized text."""
    if "[" in text and PLACEHOLDER.search(text):
        text = PLACEHOLDER.sub(lambda m: _OPAQUE * len(m.group()), text)
    found = secrets(text)
    values = detect_structured(text)
    found.extend(values)
    found.extend(locations(text))
    named = people(text)
    # A table's name columns and a record's name fields (tables.py): their values are people
    # whatever the rules for prose say.
    columns = names_in_data(text)
    if columns:
        named = without_overlaps(named, columns) + columns
    if ner_model is not None:
        model_people, model_places = ner.entities(text, ner_model)
        named = ner.merge_people(named, model_people)
        found.extend(model_places)
    # Public figures are taken out of the people before overlaps are settled: "George
    # Washington" is a president to flag, not a PERSON to redact nor the state of Washington.
    persons, figures = public_figures(text, named)
    if values and persons:
        persons = _without_value_labels(text, persons, values)
    found.extend(persons)
    if figures:
        found = [f for f in found if f.entity_type != "LOCATION" or not any(g.start <= f.start and f.end <= g.end for g in figures)]
        found.extend(figures)
    addresses = [(f.start, f.end) for f in found if f.entity_type == "STREET_ADDRESS"]
    if addresses:
        found.extend(addressees(text, [s for s, _ in addresses]))
        # A city or a street named after someone inside an address block is part of the address.
        # So is a run of digits there that only the weakest phone rule took for a number.
        found = [
            f for f in found
            if not (f.entity_type in _INSIDE_ADDRESS or (f.entity_type == "PHONE" and f.score < 0.7))
            or not any(s <= f.start and f.end <= e for s, e in addresses)
        ]
    found = resolve_overlaps(found)
    if any(f.entity_type in _IDENTIFYING for f in found):
        return found
    # No other PII in the text: what only other PII would make a person is not one.
    if any(f.detector == "name_unknown" for f in found):
        # "Send it to Ondřejka Zbyhněv at 12 Main St" is a person; "Veggie Quinoa" or "Proxima
        # Centauri" in a text that holds nothing personal is a dish or a star.
        found = [f for f in found if f.detector != "name_unknown"]
    if any(f.detector in _LONE_NAME for f in found):
        # A lone given name is PII next to other PII ("Emily, call me on 0161 496 0000"); in prose that holds nothing else ("Jane knew something was wrong") it identifies
        # no one, and redacting every such name would gut stories, puzzles and dialogues.
        found = [Finding(f.start, f.end, "GIVEN_NAME", f.detector, f.score) if f.detector in _LONE_NAME else f for f in found]
    return found


def _without_value_labels(text: str, persons: list[Finding], values: list[Finding]) -> list[Finding]:
    """`persons` less the words that label the value right after them: in "my iban is gb82 west
    1234 …" the word is the account number's label, whatever a name list says (Iban is a Basque
    given name)."""
    starts = {f.start for f in values}
    return [p for p in persons
            if not (text[p.start:p.end].lower() in _VALUE_LABELS and (gap := _LABEL_GAP.match(text, p.end)) and gap.end() in starts)]


# The names of the kinds of value the structured detectors find, as a text labels them.
_VALUE_LABELS = frozenset({"iban", "bic", "swift", "ssn", "sin", "pin", "visa", "amex", "mastercard", "card", "email",
                           "e-mail", "mail", "phone", "mobile", "cell", "tel", "fax", "ip", "account"})
# What may stand between a label and its value: "iban: ", "ssn is ", "phone number = ", "card no. ".
_LABEL_GAP = re.compile(r"(?i)(?:[ \t]+(?:number|no\.?|code|address))?(?:[ \t]+is[ \t]+|[ \t]*[:=#-][ \t]*|[ \t]+)")
# What makes a lone given name identifying when it appears in the same text.
_IDENTIFYING = frozenset({"EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "NATIONAL_ID", "ACCOUNT_NUMBER", "VEHICLE_ID", "DATE_OF_BIRTH", "IP_ADDRESS", "SECRET", "PRIVATE_KEY",
                          "STREET_ADDRESS", "USERNAME"})
# A name of one word that no cue supports, from the rules or from a NER model.
_LONE_NAME = frozenset({"name_alone", "ner_alone"})
_INSIDE_ADDRESS = frozenset({"PERSON", "PUBLIC_FIGURE", "LOCATION"})
