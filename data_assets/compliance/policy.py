"""What to do about what was found: the compliance policy (actions per type, licenses, blocked
terms). Applying it to one record is `redact.py`.

Default policy, and why:
- Redact, with a typed placeholder: EMAIL, PHONE, CREDIT_CARD, IBAN, US_SSN, NATIONAL_ID (other
  countries' identity numbers and passport and driving licence numbers, `national_ids.py`),
  ACCOUNT_NUMBER (a bank or customer account number, or a medical record, member or policy number,
  given as such, `accounts.py`), VEHICLE_ID (a VIN or a licence plate given as such, `vehicles.py`),
  DATE_OF_BIRTH (a date labelled as one: "DOB:
  14/02/1981"; "born on 14 March 1879" in prose stays), IP_ADDRESS,
  SECRET (API keys, tokens, assigned passwords), PERSON, STREET_ADDRESS, USERNAME (social
  handles such as "@maria_lopez84" and usernames a text gives). Redaction keeps the
  record useful (the instruction still reads "send it to [EMAIL_1]") and removes the value.
- Drop the record: PRIVATE_KEY. A pasted key block is never training material and the text
  around it is usually a config dump; redacting it would leave a record about nothing.
- Flag only (kept in `compliance.findings`, text unchanged): URL and LOCATION. Links to public
  sites and the names of cities and countries are what a great deal of instruction data is
  about ("What is the capital of France?"); redacting them would destroy that content while
  adding little privacy. A stricter policy sets them to "redact".
- Flag only: PUBLIC_FIGURE, a name the person detector found that is on the list of well-known
  people and characters (`lexicons/public_figures.txt`: "George Orwell", "Marie Curie", "Harry
  Potter", see `public_figures.py`). Named as the subject of the content ("Who wrote 1984?
  George Orwell") they are not private data, and redacting them destroys the example. A
  private person who shares a famous name keeps it in the text: that is the accepted cost,
  kept small by leaving names that are common among private people off the list. A stricter
  policy sets PUBLIC_FIGURE to "redact".
- Findings scoring under `min_score` (0.5) are ignored: that is where the name and place
  heuristics stop being right more often than wrong on the labeled benchmark.

NER model: none by default (the detectors are rules and word lists). With `ner_model` set to an
installed spaCy pipeline, its PERSON entities join the names the rules find (see `ner.py`).

Licenses: a record whose source license is not on the allowlist is dropped with reason
`license_not_allowed:<license>`; a record without any license is dropped with reason
`license_missing` (unknown provenance is not permission) unless `allow_missing_license`.
Licenses compare case-insensitively with spaces and underscores read as hyphens, so
"CC BY-NC 4.0" matches "CC-BY-NC-4.0". Blocked terms drop a record with reason
`blocked_term:<term>` (the configured term, never the matched text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

ACTIONS = ("redact", "drop", "flag", "remove")

DEFAULT_ACTIONS: dict[str, str] = {
    "EMAIL": "redact",
    "PHONE": "redact",
    "CREDIT_CARD": "redact",
    "IBAN": "redact",
    "US_SSN": "redact",
    "NATIONAL_ID": "redact",
    "ACCOUNT_NUMBER": "redact",
    "VEHICLE_ID": "redact",
    "DATE_OF_BIRTH": "redact",
    "IP_ADDRESS": "redact",
    "SECRET": "redact",
    "PRIVATE_KEY": "drop",
    "PERSON": "redact",
    "PUBLIC_FIGURE": "flag",
    "STREET_ADDRESS": "redact",
    "USERNAME": "redact",
    "URL": "flag",
    "LOCATION": "flag",
    "CHARACTER": "flag",
    "GIVEN_NAME": "flag",
    "CONTROL_CHARACTER": "remove",
}

DEFAULT_LICENSES: tuple[str, ...] = (
    "CC0-1.0", "CC-BY-4.0", "CC-BY-3.0", "CC-BY-SA-4.0", "CC-BY-SA-3.0", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0",
    "MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "Unlicense", "ODC-BY-1.0", "ODC-BY", "PDDL-1.0",
    "CDLA-Permissive-1.0", "CDLA-Permissive-2.0", "CDLA-Sharing-1.0", "Public-Domain",
)

# Markings that say a document was never meant to leave its owner, and requests for weapons or
# drug synthesis that a training set should not carry even with a refusal attached (the
# refusal data a team wants is curated deliberately, not scraped). Phrases, not single words,
# so chemistry and history questions stay.
DEFAULT_BLOCKED_TERMS: tuple[str, ...] = (
    "confidential and proprietary",
    "internal use only",
    "do not distribute",
    "pipe bomb",
    "ghost gun",
    "synthesize methamphetamine",
    "cook meth",
)


def normalize_license(value: str) -> str:
    return re.sub(r"[\s_]+", "-", value.strip()).upper()


@dataclass(frozen=True)
class CompliancePolicy:
    actions: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ACTIONS))
    min_score: float = 0.5
    allowed_licenses: tuple[str, ...] = DEFAULT_LICENSES
    allow_missing_license: bool = False
    blocked_terms: tuple[str, ...] = DEFAULT_BLOCKED_TERMS
    number_placeholders: bool = True
    # A spaCy pipeline (name or directory) whose entities join the rule-based detectors; None: rules only (ner.py).
    ner_model: str | None = None

    def __post_init__(self) -> None:
        bad = {t: a for t, a in self.actions.items() if a not in ACTIONS}
        if bad:
            raise ValueError(f"unknown action(s) {bad}; each must be one of {', '.join(ACTIONS)}")
        if not 0.0 <= self.min_score <= 1.0:
            raise ValueError(f"min_score must be within [0, 1], got {self.min_score}")

    def action(self, entity_type: str) -> str:
        # A type the policy does not name is flagged: it is recorded, never silently acted on.
        return self.actions.get(entity_type, "flag")

    @property
    def acted_on_types(self) -> frozenset[str]:
        """Types whose findings must not survive in the output (redact, remove or drop)."""
        return frozenset(t for t, a in self.actions.items() if a in ("redact", "drop", "remove"))

    def license_reason(self, license_: str | None) -> str | None:
        """The drop reason for a record of this license, or None if the license is allowed."""
        if license_ is None or not str(license_).strip():
            return None if self.allow_missing_license else "license_missing"
        allowed = {normalize_license(x) for x in self.allowed_licenses}
        return None if normalize_license(str(license_)) in allowed else f"license_not_allowed:{license_}"

    def blocked_term_reasons(self, texts: Iterable[str]) -> list[str]:
        if not self.blocked_terms:
            return []
        joined = "\n".join(texts).casefold()
        terms = _term_patterns(tuple(self.blocked_terms))
        # Every word of a term is in the text before its spaces are collapsed too: a test for each
        # term's longest word rules out nearly every text before the collapse is paid for.
        if not any(word in joined for _, _, _, word in terms):
            return []
        joined = re.sub(r"\s+", " ", joined)
        # A substring test per term (fast, in C) rules out nearly every text; the whole-word
        # pattern, compiled once per term list, decides for the few that hold a term's letters.
        return [f"blocked_term:{term}" for term, needle, pattern, _ in terms if needle in joined and pattern.search(joined)]


@lru_cache(maxsize=16)
def _term_patterns(terms: tuple[str, ...]) -> tuple[tuple[str, str, re.Pattern[str], str], ...]:
    """Per term: its casefolded, space-collapsed form, its whole-word pattern (the haystack is
    casefolded with spaces collapsed the same way) and the longest word of that form."""
    return tuple((term, _collapse(term), re.compile(rf"(?<!\w){re.escape(_collapse(term))}(?!\w)"),
                  max(_collapse(term).split(" "), key=len))
                 for term in terms if term.strip())


def _collapse(term: str) -> str:
    return re.sub(r"\s+", " ", term.strip().casefold())
