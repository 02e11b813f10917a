"""The dataset card: `README.md` beside the exports, in the Hugging Face format.

YAML front matter (`configs` naming the files, `license`, `language`, `task_categories`,
`size_categories`, `tags`), then the sections a reader of a training set needs: sources and
licenses, the compliance policy applied, dedup and decontamination, the origins mix, the judge
and its biases, the curves and what they predict, and the known limitations. Every figure comes
from this run (`RunFacts`); the limitations are derived from the same figures, so a run with an
offline provider says so and a run with Claude does not.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

import pandas as pd
import yaml

from data_assets.common.metadata import table_markdown
from data_assets.publish.facts import RunFacts, size_category
from data_assets.synth.verification import is_self_consistency

# Curve columns shown in the card; `informative` only where the curves stage writes it.
FIT_COLUMNS = ["trainer", "variant", "status", "informative", "score_at_largest_n", "largest_n", "target", "n_for_target",
               "ci_low", "ci_high", "extrapolation_factor"]


def front_matter(facts: RunFacts) -> dict:
    licenses = sorted({str(v).lower() for v in facts.sft.get("license", pd.Series(dtype=str)).dropna()}
                      | _preference_licenses(facts))
    configs = [{"config_name": "sft", "data_files": [{"split": "train", "path": "sft.jsonl"}], "default": True}]
    if len(facts.dpo):
        configs.append({"config_name": "dpo", "data_files": [{"split": "train", "path": "dpo.jsonl"}]})
    tags = ["sft", "instruction-tuning", "data-assets"] + (["dpo", "preference"] if len(facts.dpo) else [])
    if (facts.sft.get("origin", pd.Series(dtype=str)) != "human").any():
        tags.append("synthetic")
    return {
        "pretty_name": "data_assets training export",
        "license": licenses if len(licenses) != 1 else licenses[0] if licenses else "unknown",
        "language": facts.curated_languages() or ["en"],
        "task_categories": ["text-generation"],
        "size_categories": [size_category(max(len(facts.sft), len(facts.dpo)))],
        "tags": tags,
        "configs": configs,
    }


def dataset_card(facts: RunFacts, generated_at: datetime | None = None) -> str:
    when = (generated_at or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    meta = yaml.safe_dump(front_matter(facts), sort_keys=False, allow_unicode=True)
    sections = [
        f"# data_assets training export\n\nGenerated {when} by the `dataset_card` asset; regenerated on every run, "
        f"so it describes the files beside it. `sft.jsonl`/`sft.parquet`: {len(facts.sft):,} chat conversations; "
        f"`dpo.jsonl`/`dpo.parquet`: {len(facts.dpo):,} preference pairs. Both formats of a file hold the same columns.",
        "## Sources and licenses\n\n" + table_markdown(facts.sources).value
        + "\n\nExported SFT rows by license (augmented records keep their parent's; synthetic pairs have none):\n\n"
        + _counts(facts.sft, "license", fill="(none: generated)"),
        "## Compliance policy applied\n\n" + _policy(facts),
        "## Dedup and decontamination\n\n" + _dedup(facts),
        "## Origins mix\n\n" + _origins(facts),
        "## Judge and bias figures\n\n" + _judge(facts),
        "## Curves and what they predict\n\n" + _curves(facts),
        "## Known limitations\n\n" + "\n".join(f"- {line}" for line in limitations(facts)),
        "## Columns\n\n" + COLUMNS_DOC,
    ]
    return f"---\n{meta}---\n\n" + "\n\n".join(sections) + "\n"


COLUMNS_DOC = """`sft.jsonl`: `messages` (an optional system turn, the user turn: instruction, a blank line, input;
the assistant turn: the response), `id` (trace it: `python -m data_assets trace ID`), `origin`
(human, augmented, synthetic), `subset`, `source`, `license`, `method`, `parent_id`, `provider` and
`model` (what generated it; null for records read from a source), `verification` (`recomputed`,
`judge:<model>`, `self_consistency:offline` — written and recomputed by the same offline code, not
independent — or `none`).

`dpo.jsonl`: `prompt`, `chosen`, `rejected` (chat messages, or HH text), `id`, `chosen_origin` and
`rejected_origin` (existing, generated, degraded:<how>, human), `chosen_model`, `rejected_model`,
`source`, `judge_provider` (human, anthropic, offline), `judge_model`, `verdict_both_orders` (the
judge's verdict over both presentation orders, relative to this row), `human_label`.

TRL's `SFTTrainer` and `DPOTrainer` read both files as they are and ignore the extra columns."""


def limitations(facts: RunFacts) -> list[str]:
    out = []
    providers = set(facts.llm_usage.get("provider", pd.Series(dtype=str)))
    if "offline" in providers:
        out.append("Model work ran on the **offline provider**: it declines paraphrase, translation and open answers "
                   "(recorded in llm.calls), generates only computed task families, and judges with a documented heuristic.")
    verification = facts.sft.get("verification", pd.Series(dtype=str)).dropna()
    # Counted in Python: an empty text Series sums to '' in pandas 3.
    circular = sum(1 for value in verification if is_self_consistency(value))
    if circular:
        out.append(f"{circular} synthetic rows are `self_consistency:offline`: the code that wrote them also checked them. "
                   "That is not independent verification.")
    if facts.offline_judge:
        out.append("The preference judge was the offline heuristic: its position consistency is 1 by construction and "
                   "its degraded-loses rate measures the degradations it was written for (self-consistency checks, not "
                   "accuracy). Pairs it decided alone are left out of dpo.jsonl unless asked for.")
    agreement = facts.bias.get("human_agreement_excluding_ties")
    if agreement is not None:
        out.append(f"The judge agrees with human labels on {agreement:.1%} of the human pairs it decided.")
    if "synthetic" in set(facts.sft.get("origin", [])) and facts.sft["license"].isna().any():
        out.append("Generated rows carry no license of their own; check your model provider's terms before publishing.")
    if len(facts.fits):
        factor = pd.to_numeric(facts.fits["extrapolation_factor"], errors="coerce")
        far, never = int(((factor > 10) & (factor < math.inf)).sum()), int((factor == math.inf).sum())
        if far:
            out.append(f"{far} curve predictions extrapolate more than 10× beyond the largest measured size: read them as a direction.")
        if never:
            out.append(f"{never} curves never reach their target score with more of the same data (n_for_target ∞).")
    if "informative" in facts.fits.columns and (facts.fits["informative"] == False).any():  # noqa: E712 (a NULL is not False)
        out.append(f"{int((facts.fits['informative'] == False).sum())} curves are flagged not informative by the curves stage.")  # noqa: E712
    out.append("PII detection is rule- and lexicon-based: redaction recall is below 1, so rare formats can slip through.")
    return out


def _counts(frame: pd.DataFrame, column: str, fill: str = "(none)") -> str:
    if frame.empty or column not in frame:
        return "_none_"
    counts = frame[column].fillna(fill).value_counts()
    return table_markdown(pd.DataFrame({column: counts.index, "rows": counts.values})).value


def _preference_licenses(facts: RunFacts) -> set[str]:
    if facts.dpo.empty or "source" not in facts.dpo:
        return set()
    human = set(facts.dpo.loc[facts.dpo["judge_provider"] == "human", "source"].dropna())
    matching = facts.sources[facts.sources["source"].isin(human) & (facts.sources["license"] != "(none)")]
    return {str(v).lower() for v in matching["license"]}


def _policy(facts: RunFacts) -> str:
    if not facts.policy:
        return "_compliance has not run_"
    actions = pd.Series(facts.policy.get("actions", {}))
    by_action = "\n".join(f"- **{action}**: {', '.join(sorted(actions[actions == action].index))}"
                          for action in ("redact", "drop", "flag") if (actions == action).any())
    status = ", ".join(f"{n:,} {s}" for s, n in facts.compliance_status.items())
    compliance_drops = facts.drops[facts.drops["stage"] == "compliance"][["reason", "rows"]]
    return (f"{by_action}\n- allowed licenses: {', '.join(facts.policy.get('allowed_licenses', []))}\n"
            f"- blocked terms: {len(facts.policy.get('blocked_terms', []))} (listed in compliance.policy)\n\n"
            f"Records: {status}. Dropped, by reason:\n\n{table_markdown(compliance_drops).value}")


def _dedup(facts: RunFacts) -> str:
    duplicates = ", ".join(f"{n:,} {m}" for m, n in facts.duplicates_by_method.items()) or "none"
    contamination = ", ".join(f"{n:,} by {m}" for m, n in facts.contamination_by_method.items()) or "none"
    clusters = int(facts.cluster_sizes["clusters"].sum()) if len(facts.cluster_sizes) else 0
    return (f"Duplicates removed (kept in dedup.clusters): {duplicates}, in {clusters:,} clusters. "
            f"Training records removed for overlapping the eval set (dedup.contamination): {contamination}.")


def _origins(facts: RunFacts) -> str:
    if facts.sft.empty:
        return "_no SFT export_"
    sft = facts.sft.assign(provider=facts.sft["provider"].fillna("(read from a source)"))
    mix = sft.groupby(["origin", "provider", "verification"], dropna=False).size().reset_index(name="rows")
    text = "SFT rows by origin, generator and verification:\n\n" + table_markdown(mix).value
    if len(facts.dpo):
        dpo = facts.dpo.groupby(["judge_provider", "chosen_origin", "rejected_origin"], dropna=False).size().reset_index(name="pairs")
        text += "\n\nDPO pairs by judge and the origin of each side:\n\n" + table_markdown(dpo).value
    return text


def _judge(facts: RunFacts) -> str:
    if not facts.bias:
        return "_no preference pairs were judged_"
    circular = {"consistency_rate", "degraded_loses_rate"} if facts.offline_judge else set()
    rows = [(name, facts.bias.get(name), "self-consistency check" if name in circular else kind) for name, kind in (
        ("consistency_rate", "bias"), ("first_position_win_rate", "bias (0.5 is unbiased)"),
        ("longer_response_win_rate", "bias (verbosity)"), ("human_agreement_excluding_ties", "independent: human labels"),
        ("human_agreement_including_ties", "independent: human labels"), ("degraded_loses_rate", "sanity check"))]
    frame = pd.DataFrame([(n, "n/a" if v is None else f"{v:.3f}", k) for n, v, k in rows], columns=["figure", "value", "kind"])
    verdicts = table_markdown(facts.pairs_by_verdict).value
    return (f"Judge `{facts.bias.get('judge_model')}` (provider {facts.bias.get('provider')}, rubric "
            f"{facts.bias.get('rubric_version')}), {facts.bias.get('pairs_judged')} pairs judged in both orders.\n\n"
            f"{table_markdown(frame).value}\n\nPairs by verdict (only human pairs and model-judged a/b verdicts reach "
            f"dpo.jsonl by default):\n\n{verdicts}")


def _curves(facts: RunFacts) -> str:
    if facts.fits.empty:
        return "_no curves were measured_"
    shown = facts.fits[[c for c in FIT_COLUMNS if c in facts.fits.columns]].copy()
    for column in shown.columns:
        if pd.api.types.is_numeric_dtype(shown[column]) and not pd.api.types.is_bool_dtype(shown[column]):
            shown[column] = shown[column].map(_number)
    note = ("`informative` is the curves stage's flag for a curve that says something beyond its baseline."
            if "informative" in shown.columns else "")
    return ("Score against training-set size, fitted as error(n) = a·n^-b + c; `n_for_target` is the size the fit "
            "predicts for the target score, with its bootstrap interval, and `extrapolation_factor` how far beyond the "
            f"data that is.\n\n{table_markdown(shown).value}\n\n{note}").strip()


def _number(value) -> str:
    if pd.isna(value):
        return ""
    if math.isinf(value):
        return "∞"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3f}"
