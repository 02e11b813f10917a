"""PII detection: our offline detectors against Microsoft Presidio's regex recognizers.

Both run on the same labeled files in the same process (Presidio with its no-op NLP engine,
so no model is loaded: its predefined pattern recognizers only). We tune on
`presidio_synth_dataset_v2.json`; `presidio_generated_small.json` is reported as held out,
though it was generated from largely the same templates, so it is a weak held-out set.

Numbers (see `data_assets.compliance.evaluation` for the definitions):
- per type: precision, recall, F1, F2 with the overlap criterion; exact-span F1;
- redaction recall: gold characters of the targeted types (email, phone, card, IBAN, SSN, IP,
  URL/domain, person, street address/GPE/location/ZIP) covered by any predicted span;
- over-redaction: characters outside every gold span covered by a predicted span (strict:
  outside every targeted span, so covering an organization name counts against us);
- docs/second: median of three passes over the file, one core, detection only.
Presidio spans count at any score (its default threshold, 0), mapped to our types; its
other types (dates, licenses, ...) are ignored. Our spans count at the default policy's
`min_score`.
"""

from __future__ import annotations

import logging
import statistics
import time
import types
from pathlib import Path

from data_assets.compliance import CompliancePolicy, Finding, detect
from data_assets.compliance.evaluation import (
    EVALUATED_TYPES,
    STRUCTURED_TYPES,
    Evaluation,
    evaluate,
    load_labeled,
    validate_spans,
)

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "pii"
FILES = {"synth (tuned on)": "presidio_synth_dataset_v2.json", "generated_small (held out)": "presidio_generated_small.json"}
PRESIDIO_TO_TYPE = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN",
    "US_SSN": "US_SSN",
    "IP_ADDRESS": "IP_ADDRESS",
    "URL": "URL",
}


def presidio_detector():
    """Presidio's AnalyzerEngine with only its pattern recognizers and the no-op NLP engine."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine
    from presidio_analyzer.predefined_recognizers.generic import email_recognizer
    import tldextract

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    # The e-mail recognizer asks tldextract for the public suffix list over the network;
    # the bundled snapshot answers the same offline.
    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    email_recognizer.tldextract = types.SimpleNamespace(extract=offline)
    engine = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
    engine.load()
    registry = RecognizerRegistry()
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=engine)
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])

    def run(text: str) -> list[Finding]:
        return [
            Finding(r.start, r.end, PRESIDIO_TO_TYPE[r.entity_type], "presidio", r.score)
            for r in analyzer.analyze(text, language="en")
            if r.entity_type in PRESIDIO_TO_TYPE
        ]

    return run


def ours_detector():
    min_score = CompliancePolicy().min_score

    def run(text: str) -> list[Finding]:
        return [f for f in detect(text) if f.score >= min_score]

    return run


def _measure(items, detector, repeats: int = 3) -> Evaluation:
    timings = []
    predictions = None
    for _ in range(repeats):
        started = time.perf_counter()
        predictions = [detector(item.text) for item in items]
        timings.append(time.perf_counter() - started)
    return evaluate(items, predictions, statistics.median(timings))


def _row(name: str, ev: Evaluation, t: str) -> str:
    s = ev.by_type.get(t)
    if s is None or (s.gold == 0 and s.predicted == 0):
        return f"  {t:<12} {name:<9} {'-':>6}"
    return f"  {t:<12} {name:<9} {s.gold:>6} {s.predicted:>6} {s.precision:>6.3f} {s.recall:>6.3f} {s.f():>6.3f} {s.f(2):>6.3f} {s.exact_f1:>8.3f}"


def _summary(ev: Evaluation, types_: tuple[str, ...]) -> dict:
    return {
        t: {"gold": ev.by_type[t].gold, "predicted": ev.by_type[t].predicted, "precision": round(ev.by_type[t].precision, 4),
            "recall": round(ev.by_type[t].recall, 4), "f1": round(ev.by_type[t].f(), 4), "f2": round(ev.by_type[t].f(2), 4),
            "exact_f1": round(ev.by_type[t].exact_f1, 4)}
        for t in types_ if t in ev.by_type
    } | {
        "structured_micro": {"precision": round(ev.micro(STRUCTURED_TYPES).precision, 4), "recall": round(ev.micro(STRUCTURED_TYPES).recall, 4),
                             "f1": round(ev.micro(STRUCTURED_TYPES).f(), 4), "exact_f1": round(ev.micro(STRUCTURED_TYPES).exact_f1, 4)},
        "redaction_recall": round(ev.redaction_recall, 4),
        "over_redaction": round(ev.over_redaction, 4),
        "strict_over_redaction": round(ev.strict_over_redaction, 4),
        "docs_per_second": round(ev.docs_per_second, 1),
    }


def main() -> dict:
    if not DATA.is_dir():
        print(f"skipped: labeled PII files not found under {DATA}")
        return {"skipped": f"no data at {DATA}"}
    detectors = {"ours": ours_detector(), "presidio": presidio_detector()}
    results: dict = {}
    for label, filename in FILES.items():
        items = load_labeled(DATA / filename)
        problems = validate_spans(items)
        evaluations = {name: _measure(items, det) for name, det in detectors.items()}
        print(f"\n{label}: {filename}, {len(items)} texts")
        for p in problems:
            print(f"  gold span problem: row {p.index} {p.label} [{p.start}:{p.end}] reads {p.found!r}, labeled {p.expected!r}")
        print(f"  {'type':<12} {'detector':<9} {'gold':>6} {'pred':>6} {'P':>6} {'R':>6} {'F1':>6} {'F2':>6} {'exact F1':>8}")
        for t in EVALUATED_TYPES:
            for name, ev in evaluations.items():
                if name == "presidio" and t not in STRUCTURED_TYPES:
                    continue
                print(_row(name, ev, t))
        for name, ev in evaluations.items():
            m = ev.micro(STRUCTURED_TYPES)
            print(f"  {name:<9} structured micro F1 {m.f():.3f} (exact {m.exact_f1:.3f}) | redaction recall {ev.redaction_recall:.3f} | "
                  f"over-redaction {ev.over_redaction:.4f} (strict {ev.strict_over_redaction:.4f}) | {ev.docs_per_second:,.0f} docs/s")
        ratio = evaluations["ours"].docs_per_second / evaluations["presidio"].docs_per_second
        print(f"  throughput ratio ours/presidio: {ratio:.1f}x (median of 3 passes each)")
        results[filename] = {
            "texts": len(items),
            "gold_span_problems": [p.__dict__ for p in problems],
            "ours": _summary(evaluations["ours"], EVALUATED_TYPES),
            "presidio": _summary(evaluations["presidio"], STRUCTURED_TYPES),
            "throughput_ratio": round(ratio, 2),
        }
    return results


if __name__ == "__main__":
    main()
