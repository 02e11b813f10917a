"""Measuring detectors against labeled spans (the Presidio research datasets' format).

Benchmark code (it lives beside the benchmarks, not in the package): the stage never scores itself.

Gold labels are mapped to our types; labels we do not target (DATE_TIME, AGE, TITLE, NRP,
ORGANIZATION, US_DRIVER_LICENSE) take no part in typed scores. Two span criteria:
- overlap: a predicted span is right if it overlaps a gold span of its type, and a gold span
  is found if a predicted span of its type overlaps it. Address blocks are labeled in pieces
  (street, unit, city, ZIP) while a detector reports the block, so exact matching would
  call a correct block wrong five times.
- exact: same type, same start and end (reported for the structured types).
Redaction recall is the share of gold characters of the types the policy redacts (e-mail,
phone, card, IBAN, SSN, IP, person, street address) covered by a span the policy redacts;
characters of flag-only types (URL, city, country) count on neither side. Over-redaction is the
share of characters outside every gold span (of any label) that a redacting span covers; the
strict variant also counts characters of untargeted labels (an organization name) as not-PII.
The labeled files mark an address block in pieces (street, unit, city, ZIP) and leave the line
breaks, spaces and commas between them unlabeled, so one placeholder for the whole block counts
those separators as over-redacted: `content_over_redaction` leaves out the characters without a
letter or digit between two gold spans inside one redacting span, and is reported beside it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from data_assets.compliance.findings import Finding

GOLD_TO_TYPE = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN",
    "US_SSN": "US_SSN",
    "IP_ADDRESS": "IP_ADDRESS",
    "DOMAIN_NAME": "URL",
    "URL": "URL",
    "PERSON": "PERSON",
    "STREET_ADDRESS": "LOCATION",
    "ADDRESS": "LOCATION",
    "GPE": "LOCATION",
    "LOCATION": "LOCATION",
    "ZIP_CODE": "LOCATION",
}
# Our finer types, read as the coarser labeled ones.
PREDICTED_TO_TYPE = {"STREET_ADDRESS": "LOCATION", "SECRET": "SECRET", "PRIVATE_KEY": "SECRET"}
STRUCTURED_TYPES = ("EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS", "URL")
EVALUATED_TYPES = (*STRUCTURED_TYPES, "PERSON", "LOCATION")
# Gold labels whose text the default policy replaces (URL, GPE and ZIP codes alone are flagged).
REDACTED_LABELS = frozenset({"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS",
                             "PERSON", "STREET_ADDRESS", "ADDRESS"})


@dataclass(frozen=True)
class GoldSpan:
    start: int
    end: int
    label: str              # the dataset's own label
    value: str

    @property
    def entity_type(self) -> str | None:
        return GOLD_TO_TYPE.get(self.label)


@dataclass(frozen=True)
class LabeledText:
    index: int
    text: str
    spans: tuple[GoldSpan, ...]


@dataclass(frozen=True)
class SpanProblem:
    index: int
    label: str
    start: int
    end: int
    expected: str
    found: str


def load_labeled(path: str | Path) -> list[LabeledText]:
    rows = json.loads(Path(path).read_text(encoding="utf-8"))
    return [
        LabeledText(
            i,
            row["full_text"],
            tuple(GoldSpan(s["start_position"], s["end_position"], s["entity_type"], s["entity_value"]) for s in row["spans"]),
        )
        for i, row in enumerate(rows)
    ]


def validate_spans(items: Iterable[LabeledText]) -> list[SpanProblem]:
    """Gold spans whose offsets do not read their own `entity_value` (a mislabeled span)."""
    problems = []
    for item in items:
        for span in item.spans:
            found = item.text[span.start:span.end]
            if found != span.value:
                problems.append(SpanProblem(item.index, span.label, span.start, span.end, span.value, found))
    return problems


@dataclass
class TypeScore:
    predicted: int = 0
    predicted_correct: int = 0
    gold: int = 0
    gold_found: int = 0
    exact: int = 0

    @property
    def precision(self) -> float:
        return self.predicted_correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.gold_found / self.gold if self.gold else 1.0

    def f(self, beta: float = 1.0) -> float:
        p, r = self.precision, self.recall
        return (1 + beta**2) * p * r / (beta**2 * p + r) if p + r else 0.0

    @property
    def exact_f1(self) -> float:
        p = self.exact / self.predicted if self.predicted else 1.0
        r = self.exact / self.gold if self.gold else 1.0
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Evaluation:
    by_type: dict[str, TypeScore]
    pii_chars: int
    pii_chars_covered: int
    clean_chars: int
    clean_chars_covered: int
    strict_clean_chars: int
    strict_clean_chars_covered: int
    documents: int
    seconds: float
    clean_separators_covered: int = 0   # covered clean characters that only separate two gold spans of one block

    @property
    def redaction_recall(self) -> float:
        return self.pii_chars_covered / self.pii_chars if self.pii_chars else 1.0

    @property
    def over_redaction(self) -> float:
        return self.clean_chars_covered / self.clean_chars if self.clean_chars else 0.0

    @property
    def content_over_redaction(self) -> float:
        """Over-redaction without the separators between the labeled pieces of one redacted block."""
        covered = self.clean_chars_covered - self.clean_separators_covered
        return covered / self.clean_chars if self.clean_chars else 0.0

    @property
    def strict_over_redaction(self) -> float:
        return self.strict_clean_chars_covered / self.strict_clean_chars if self.strict_clean_chars else 0.0

    @property
    def docs_per_second(self) -> float:
        return self.documents / self.seconds if self.seconds else float("inf")

    def micro(self, types: Iterable[str]) -> TypeScore:
        total = TypeScore()
        for t in types:
            s = self.by_type.get(t, TypeScore())
            total.predicted += s.predicted
            total.predicted_correct += s.predicted_correct
            total.gold += s.gold
            total.gold_found += s.gold_found
            total.exact += s.exact
        return total


def evaluate(items: list[LabeledText], predictions: list[list[Finding]], seconds: float = 0.0,
             redacts: Callable[[Finding], bool] = lambda f: True,
             redacted_labels: frozenset[str] = REDACTED_LABELS) -> Evaluation:
    """Score `predictions[i]` (findings over `items[i].text`) against the gold spans; `redacts`
    says which predictions the policy replaces (the others are flagged and cover nothing)."""
    by_type: dict[str, TypeScore] = defaultdict(TypeScore)
    pii = pii_cov = clean = clean_cov = strict = strict_cov = separators = 0
    for item, predicted in zip(items, predictions, strict=True):
        gold = [(g.start, g.end, g.entity_type) for g in item.spans if g.entity_type in EVALUATED_TYPES]
        pred = [(f.start, f.end, PREDICTED_TO_TYPE.get(f.entity_type, f.entity_type)) for f in predicted]
        pred = [p for p in pred if p[2] in EVALUATED_TYPES]
        for t in EVALUATED_TYPES:
            g_t = [(s, e) for s, e, ty in gold if ty == t]
            p_t = [(s, e) for s, e, ty in pred if ty == t]
            score = by_type[t]
            score.gold += len(g_t)
            score.predicted += len(p_t)
            score.gold_found += sum(any(ps < ge and gs < pe for ps, pe in p_t) for gs, ge in g_t)
            score.predicted_correct += sum(any(ps < ge and gs < pe for gs, ge in g_t) for ps, pe in p_t)
            score.exact += len(set(g_t) & set(p_t))
        covered = _mask(len(item.text), ((f.start, f.end) for f in predicted if redacts(f)))
        targeted = _mask(len(item.text), ((g.start, g.end) for g in item.spans if g.label in redacted_labels))
        labeled = _mask(len(item.text), ((g.start, g.end) for g in item.spans))
        between = _mask(len(item.text), _separators(item, [(f.start, f.end) for f in predicted if redacts(f)]))
        for i in range(len(item.text)):
            if targeted[i]:
                pii += 1
                pii_cov += covered[i]
            else:
                strict += 1
                strict_cov += covered[i]
                if not labeled[i]:
                    clean += 1
                    clean_cov += covered[i]
                    separators += covered[i] and between[i]
    return Evaluation(dict(by_type), pii, pii_cov, clean, clean_cov, strict, strict_cov, len(items), seconds, separators)


def _separators(item: LabeledText, redacted: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The gaps with no letter or digit between two consecutive gold spans that lie inside one
    redacted span ("Suite 4\\n Springfield": the line break between unit and city)."""
    gaps = []
    for start, end in redacted:
        inside = sorted((g.start, g.end) for g in item.spans if start <= g.start and g.end <= end)
        for (_, left_end), (right_start, _) in zip(inside, inside[1:]):
            if left_end < right_start and not any(c.isalnum() for c in item.text[left_end:right_start]):
                gaps.append((left_end, right_start))
    return gaps


def _mask(length: int, spans: Iterable[tuple[int, int]]) -> bytearray:
    mask = bytearray(length)
    for start, end in spans:
        mask[max(start, 0):min(end, length)] = b"\x01" * max(0, min(end, length) - max(start, 0))
    return mask


