"""Candidate pairs: which prompts are judged, and the two responses of each.

Two kinds of pair:
- `sft`: a deterministic sample of prompts of the curated SFT set. By default response A is the
  existing response and B a new one from the generator model; in `two_generations` mode both
  come from the generator with different system prompts and the existing response is shown to
  the judge as the reference. Where the generator cannot answer (offline it declines; online a
  call may fail or hit the spend cap), B is a documented degradation of the existing response
  (`data_assets.prefs.degrade`).
- `human`: labeled pairs from `compliance.preferences` (scanned and redacted like every source),
  judged to calibrate the judge against people.
  Which side is A is decided by a hash of the record id, so position and label are not confounded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from data_assets.compliance import CompliancePolicy, scan_and_redact
from data_assets.dedup.contamination import RULE_RANK
from data_assets.llm.types import LLMRequest, LLMResult
from data_assets.prefs.degrade import degrade
from data_assets.prefs.rubric import prompt_text, respond_request
from data_assets.prefs.text import stable_fraction, stable_id

CANDIDATE_MODES = ("existing_vs_generated", "two_generations")
TWO_GENERATION_STYLES = ("concise", "thorough")


@dataclass(frozen=True)
class Response:
    response_id: str
    prompt_id: str
    text: str
    origin: str                 # existing | generated | degraded | human
    method: str                 # generation style, degradation way, or the human label side
    detail: str = ""
    provider: str | None = None
    model: str | None = None


@dataclass(frozen=True)
class Pair:
    pair_id: str
    source: str                 # sft | human
    prompt_id: str
    prompt: str
    reference: str | None
    response_a: Response
    response_b: Response
    human_label: str | None = None   # a | b: the side people preferred (human pairs only)


@dataclass
class SftCandidates:
    pairs: list[Pair] = field(default_factory=list)
    fallbacks: Counter = field(default_factory=Counter)       # why B was degraded instead of generated
    degradations: Counter = field(default_factory=Counter)    # which way, when it was
    skipped: Counter = field(default_factory=Counter)         # prompts left without a pair, by reason


def sample(frame: pd.DataFrame, size: int, seed: int, key: str = "record_id") -> pd.DataFrame:
    """`size` rows chosen by a seeded hash of their key: the same seed and rows give the same
    sample whatever order the table returns them in, and growing the table keeps most of it."""
    if frame.empty:
        return frame
    ranks = frame[key].map(lambda k: stable_fraction("sample", str(seed), str(k)))
    return frame.assign(_rank=ranks).sort_values(["_rank", key]).head(max(size, 0)).drop(columns="_rank").reset_index(drop=True)


def response_id(prompt_id: str, origin: str, text: str) -> str:
    return stable_id("resp", prompt_id, origin, text)


def pair_id(source: str, prompt_id: str, response_a_id: str, response_b_id: str) -> str:
    return stable_id("pair", source, prompt_id, response_a_id, response_b_id)


def respond_requests(prompts: pd.DataFrame, mode: str, max_tokens: int = 1024) -> list[LLMRequest]:
    """The generation requests for sampled SFT prompts: one per prompt, or two in `two_generations`."""
    return [respond_request(prompt_text(row.instruction, row.input), style, max_tokens)
            for row in prompts.itertuples(index=False) for style in _styles(mode)]


def sft_pairs(prompts: pd.DataFrame, results: list[LLMResult], mode: str, policy: CompliancePolicy | None = None) -> SftCandidates:
    """Pairs for the sampled SFT prompts, given the results of `respond_requests` in order; generated
    responses are scanned with `policy`, the run's compliance policy (default: the stage default)."""
    styles = _styles(mode)
    per_prompt = len(styles)
    if len(results) != len(prompts) * per_prompt:
        raise ValueError(f"expected {len(prompts) * per_prompt} generation results, got {len(results)}")
    out = SftCandidates()
    for index, row in enumerate(prompts.itertuples(index=False)):
        prompt = prompt_text(row.instruction, row.input)
        mine = results[index * per_prompt:(index + 1) * per_prompt]
        existing = Response(response_id(row.record_id, "existing", row.response), row.record_id, row.response, "existing", "dataset")
        generated = []
        dropped = 0
        for result, style in zip(mine, styles):
            if result.ok and (result.text or "").strip():
                response = _generated(row.record_id, result, style, policy)
                if response is None:
                    dropped += 1
                elif response.text.strip() != row.response.strip():
                    generated.append(response)
        if mode == "two_generations" and len(generated) == 2 and generated[0].text.strip() != generated[1].text.strip():
            a, b, reference = generated[0], generated[1], row.response
        elif mode == "existing_vs_generated" and generated:
            a, b, reference = existing, generated[0], None
        else:
            failed = [r for r in mine if not r.ok]
            reason = (f"generation {failed[0].status}" if failed else "compliance dropped the generation" if dropped
                      else "no generation distinct from the other response")
            out.fallbacks[reason] += 1
            degraded = degrade(row.record_id, row.instruction, row.response)
            if degraded is None:
                out.skipped["response too short to degrade"] += 1
                continue
            out.degradations[degraded.method] += 1
            a, reference = existing, None
            b = Response(response_id(row.record_id, "degraded", degraded.text), row.record_id, degraded.text,
                         "degraded", degraded.method, degraded.detail, provider="offline", model=None)
        out.pairs.append(Pair(pair_id("sft", row.record_id, a.response_id, b.response_id), "sft", row.record_id,
                              prompt, reference, a, b))
    return out


def human_pairs(preferences: pd.DataFrame) -> list[Pair]:
    """Pairs from human-labeled preference records; A is the chosen side for about half of them."""
    pairs = []
    for row in preferences.itertuples(index=False):
        chosen = Response(response_id(row.record_id, "human", row.chosen), row.record_id, row.chosen, "human", "chosen")
        rejected = Response(response_id(row.record_id, "human", row.rejected), row.record_id, row.rejected, "human", "rejected")
        if chosen.response_id == rejected.response_id:
            continue
        chosen_first = stable_fraction("side", row.record_id) < 0.5
        a, b = (chosen, rejected) if chosen_first else (rejected, chosen)
        pairs.append(Pair(pair_id("human", row.record_id, a.response_id, b.response_id), "human", row.record_id,
                          row.prompt, None, a, b, human_label="a" if chosen_first else "b"))
    return pairs


def decontaminate_pairs(pairs: list[Pair], decontaminate: Callable[[pd.DataFrame], pd.DataFrame]) -> tuple[list[Pair], pd.DataFrame]:
    """(pairs that overlap no eval record, one row per removed pair with its strongest match and `part`).

    A pair is exported as prompt + chosen + rejected, so each side is held to the dedup stage's
    rules as the record (prompt, "", response): an eval item's prompt (`prompt`), the whole item
    (`exact`), a near-duplicate of it (`minhash`) or a 13-word span of it (`ngram`) in either side
    removes the pair before it is judged. `decontaminate` is `dedup.contamination.EvalIndex.match_records`.
    """
    sides = [{"record_id": f"{pair.pair_id}\x1f{part}", "pair_id": pair.pair_id, "part": part,
              "instruction": pair.prompt, "input": "", "response": response.text}
             for pair in pairs for part, response in (("response_a", pair.response_a), ("response_b", pair.response_b))]
    if not sides:
        return pairs, pd.DataFrame(columns=["record_id", "part"])
    frame = pd.DataFrame(sides)
    matches = decontaminate(frame[["record_id", "instruction", "input", "response"]])
    if matches.empty:
        return pairs, matches.assign(part=pd.Series(dtype="object"))
    matches = matches.merge(frame[["record_id", "pair_id", "part"]], on="record_id")
    # The pair's strongest match of its two sides (the same order the rules rank a record's matches).
    rank = matches["method"].map(RULE_RANK)
    matches = matches.assign(_rank=rank, _order=-matches["similarity"].astype(float))
    best = matches.sort_values(["pair_id", "_rank", "_order", "part"]).groupby("pair_id").head(1)
    best = best.drop(columns=["record_id", "_rank", "_order"]).rename(columns={"pair_id": "record_id"})
    removed = set(best["record_id"])
    return [p for p in pairs if p.pair_id not in removed], best.reset_index(drop=True)


def responses_frame(pairs: list[Pair]) -> pd.DataFrame:
    rows = {}
    for pair in pairs:
        for response in (pair.response_a, pair.response_b):
            rows[response.response_id] = response.__dict__
    return pd.DataFrame(list(rows.values()), columns=list(Response.__dataclass_fields__))


def _styles(mode: str) -> tuple[str, ...]:
    if mode not in CANDIDATE_MODES:
        raise ValueError(f"candidate_mode {mode!r} is not one of {', '.join(CANDIDATE_MODES)}")
    return TWO_GENERATION_STYLES if mode == "two_generations" else ("default",)


def _generated(prompt_id: str, result: LLMResult, style: str, policy: CompliancePolicy | None) -> Response | None:
    """A model's response after the same PII scan as every source record, under the run's policy:
    redacted where it redacts, None where it drops (a model can invent an address as easily as
    copy one, or write a blocked term)."""
    scan = scan_and_redact({"response": result.text or ""}, policy)
    if scan.status == "dropped":
        return None
    text = scan.fields["response"]
    detail = f"redacted {scan.redaction_detail}" if scan.status == "redacted" else ""
    return Response(response_id(prompt_id, "generated", text), prompt_id, text, "generated", style, detail,
                    provider=result.provider, model=result.model)


def scanned_text(text: str | None, policy: CompliancePolicy | None) -> str | None:
    """A generated text to store (a judge's rationale): redacted under `policy`, withheld when
    the policy would drop it (a blocked term, a private key), None stays None."""
    if text is None or (isinstance(text, float) and text != text):
        return None
    scan = scan_and_redact({"text": text}, policy)
    # The reason's kind only: a blocked term's reason names the term, which must not be stored either.
    kinds = sorted({r.split(":")[0] for r in scan.reasons})
    return f"[withheld by compliance: {', '.join(kinds)}]" if scan.status == "dropped" else scan.fields["text"]
