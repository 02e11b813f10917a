"""The prefs stage against a judge: the fake Anthropic server scripted to be biased or consistent,
and the offline judge calibrated against the human labels of hh-rlhf."""

from __future__ import annotations

import json
import re
from pathlib import Path

import dagster as dg
import pytest
import yaml

from data_assets.ingest.assets import raw_preferences
from data_assets.llm.resource import LLMResource
from data_assets.prefs import heuristic
from data_assets.prefs.rubric import RESPONDER_SYSTEMS
from data_assets_tests.fake_anthropic import FakeAnthropic, request_text, serving_claude
from data_assets_tests.test_prefs import (
    SFT_RECORDS,
    consistency_evaluation,
    pair_metadata,
    run_prefs,
    seed_preferences,
    seed_sft,
)

SECRET = "sk-ant-test-prefs-SECRET"


@pytest.fixture
def fake(monkeypatch):
    with serving_claude(monkeypatch, SECRET) as server:
        yield server


def claude() -> LLMResource:
    return LLMResource(timeout_s=5.0, max_retries=1, max_in_flight=4)


def is_judge(body: dict) -> bool:
    return bool(body.get("output_config"))


def shown(body: dict) -> tuple[str, str]:
    text = request_text(body)
    first = re.search(r"<response_a>\n(.*?)\n</response_a>", text, re.S).group(1)
    second = re.search(r"<response_b>\n(.*?)\n</response_b>", text, re.S).group(1)
    return first, second


def verdict(winner: str) -> dict:
    good, poor = {c: 8 for c in ("helpfulness", "correctness", "harmlessness", "instruction_following")}, \
        {c: 4 for c in ("helpfulness", "correctness", "harmlessness", "instruction_following")}
    scores = {"A": (good, poor), "B": (poor, good), "tie": (good, good)}[winner]
    return {"rationale": f"Scripted verdict {winner}.", "scores_a": scores[0], "scores_b": scores[1], "winner": winner}


def scripted(judge):
    """A fake Claude: new candidate responses for `prefs.respond`, `judge(first, second)` verdicts."""

    def reply(body: dict):
        if not is_judge(body):
            system = body.get("system")
            system = system if isinstance(system, str) else " ".join(b.get("text", "") for b in system or [])
            style = next(name for name, text in RESPONDER_SYSTEMS.items() if text == system)
            return f"A {style} generated answer to: {request_text(body)[:70]}"
        return verdict(judge(*shown(body)))

    return reply


def first_position_judge(first: str, second: str) -> str:
    return "A"


def longer_wins_judge(first: str, second: str) -> str:
    return "A" if len(first) > len(second) else "B" if len(second) > len(first) else "tie"


def judge_bodies(server: FakeAnthropic) -> list[dict]:
    return [e["body"] for e in server.message_requests() if is_judge(e["body"])]


def texts(warehouse) -> tuple:
    with warehouse.connect() as con:
        pairs = con.execute("SELECT * FROM prefs.pairs").df()
        responses = con.execute("SELECT response_id, text FROM prefs.responses").df()
    return pairs, dict(zip(responses["response_id"], responses["text"]))


def test_a_judge_favouring_the_first_position_is_caught_and_nothing_is_exported(fake, warehouse, tmp_path):
    seed_sft(warehouse)
    seed_preferences(warehouse)
    fake.reply = scripted(first_position_judge)
    result = run_prefs(warehouse, claude(), sample_size=8, human_sample_size=3)
    assert result.success                                   # the check warns; it does not block
    pairs, _ = texts(warehouse)
    assert (pairs["verdict"] == "inconsistent").mean() >= 0.8
    evaluation = consistency_evaluation(result)
    assert evaluation.passed is False and evaluation.severity == dg.AssetCheckSeverity.WARN
    metadata = pair_metadata(result)
    assert metadata["bias/first_position_win_rate"] == 1.0
    assert metadata["bias/consistency_rate"] < 0.8
    exported = [json.loads(line) for line in (tmp_path / "exports" / "dpo.jsonl").read_text().splitlines()]
    assert {row["judge_provider"] for row in exported} <= {"human"}   # no pair this judge decided
    with warehouse.connect() as con:
        kept = con.execute("SELECT count(*) FROM prefs.pairs WHERE verdict = 'inconsistent'").fetchone()[0]
    assert kept == len(pairs)                               # excluded from the export, but kept


def test_a_consistent_judge_passes_and_both_orders_are_always_requested(fake, warehouse, tmp_path):
    seed_sft(warehouse)
    seed_preferences(warehouse)
    fake.reply = scripted(longer_wins_judge)
    result = run_prefs(warehouse, claude(), sample_size=8, human_sample_size=3)
    assert result.success
    evaluation = consistency_evaluation(result)
    assert evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    metadata = pair_metadata(result)
    assert metadata["bias/consistency_rate"] == 1.0
    assert metadata["bias/longer_response_win_rate"] == 1.0    # the verbosity bias this judge has is measured
    assert 0.3 <= metadata["bias/first_position_win_rate"] <= 0.7

    pairs, text_of = texts(warehouse)
    sent = [shown(body) for body in judge_bodies(fake)]
    assert len(sent) == 2 * len(pairs)
    for pair in pairs.itertuples():
        a, b = text_of[pair.response_a_id].strip(), text_of[pair.response_b_id].strip()
        assert sent.count((a, b)) == 1 and sent.count((b, a)) == 1
    # SFT pairs: the dataset's response against Claude's, whose family is the judge's.
    sft = pairs[pairs["source"] == "sft"]
    assert sft["same_model_family"].all() and not pairs.loc[pairs["source"] == "human", "same_model_family"].any()
    assert all(text_of[b].startswith("A default generated answer") for b in sft["response_b_id"])
    assert metadata["second_response"].startswith("all 8 SFT pairs use generated responses")
    # The export holds the SFT pairs with a consistent winner, chosen the longer text, judged by Claude.
    lines = [json.loads(line) for line in (tmp_path / "exports" / "dpo.jsonl").read_text().splitlines()]
    judged = [row for row in lines if row["judge_provider"] != "human"]
    assert {row["id"] for row in judged} == set(sft.loc[sft["verdict"].isin(["a", "b"]), "pair_id"])
    assert judged and all(len(row["chosen"][0]["content"]) > len(row["rejected"][0]["content"]) for row in judged)
    assert {(row["judge_provider"], row["judge_model"]) for row in judged} == {("anthropic", claude().judge_model)}
    # Nothing in the warehouse or the metadata carries the key.
    assert SECRET not in json.dumps({k: str(v) for k, v in metadata.items()})


def test_rerun_makes_no_new_calls(fake, warehouse):
    seed_sft(warehouse)
    seed_preferences(warehouse)
    fake.reply = scripted(longer_wins_judge)
    run_prefs(warehouse, claude(), sample_size=8, human_sample_size=3)
    first_calls = len(fake.message_requests())
    assert first_calls == 8 + 2 * (8 + 3)                   # one generation per prompt, two judgments per pair
    fake.reset_log()
    again = run_prefs(warehouse, claude(), sample_size=8, human_sample_size=3)
    assert again.success
    assert fake.message_requests() == []
    metadata = pair_metadata(again)
    assert metadata["llm/calls_made"] == 0 and metadata["llm/cache_hits"] == first_calls


def test_a_failed_judgment_leaves_its_pair_unjudged_and_out_of_the_rates(fake, warehouse):
    seed_sft(warehouse)
    fake.reply = scripted(longer_wins_judge)
    # Every judge reply about the egg is malformed, so both of its orders fail after the retries.
    fake.fault_for = lambda index, body: "invalid_json" if is_judge(body) and "boil an egg" in request_text(body) else None
    result = run_prefs(warehouse, claude(), sample_size=len(SFT_RECORDS), human_sample_size=0)
    assert result.success
    pairs, _ = texts(warehouse)
    egg = pairs[pairs["prompt"].str.contains("boil an egg")]
    assert egg["verdict"].tolist() == ["unjudged"] and egg["chosen_id"].isna().all()
    metadata = pair_metadata(result)
    assert metadata["bias/pairs_judged"] == len(pairs) - 1 and metadata["bias/consistency_rate"] == 1.0
    with warehouse.connect() as con:
        statuses = con.execute(
            "SELECT DISTINCT status FROM prefs.judgments WHERE pair_id = ?", [egg["pair_id"].iloc[0]]).fetchall()
    assert statuses == [("failed",)]


def test_two_generations_are_judged_against_the_dataset_response_as_reference(fake, warehouse):
    seed_sft(warehouse)
    fake.reply = scripted(longer_wins_judge)
    result = run_prefs(warehouse, claude(), sample_size=4, human_sample_size=0, candidate_mode="two_generations")
    assert result.success
    pairs, text_of = texts(warehouse)
    assert len(pairs) == 4
    with warehouse.connect() as con:
        methods = con.execute("SELECT DISTINCT origin, method FROM prefs.responses ORDER BY method").fetchall()
    assert methods == [("generated", "concise"), ("generated", "thorough")]
    bodies = judge_bodies(fake)
    assert len(bodies) == 8
    for pair in pairs.itertuples():
        assert pair.reference and f"<reference_answer>\n{pair.reference.strip()}\n</reference_answer>" in \
            next(request_text(b) for b in bodies if text_of[pair.response_a_id].strip() in request_text(b))


# ---- calibration against people: hh-rlhf harmless-base ----------------------------------------

HH_RLHF = "preference/hh_rlhf_harmless_base_test.jsonl"


def ingest_hh_rlhf(shared_data: Path, tmp_path: Path, warehouse) -> None:
    """raw.preferences from the real ingest: no `prompt` mapping, so the shared dialogue prefix is the prompt."""
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({"sources": [{
        "name": "hh_rlhf_harmless", "path": str(shared_data / HH_RLHF), "role": "preference", "origin": "human",
        "license": "MIT", "fields": {"chosen": "chosen", "rejected": "rejected"},
    }]}))
    result = dg.materialize([raw_preferences], resources={"warehouse": warehouse},
                            run_config={"ops": {"raw_preferences": {"config": {"sources_path": str(sources)}}}})
    assert result.success


def test_human_agreement_on_hh_rlhf(shared_data, tmp_path, warehouse):
    ingest_hh_rlhf(shared_data, tmp_path, warehouse)
    seed_sft(warehouse, records=[])
    llm = LLMResource(provider="offline")
    result = run_prefs(warehouse, llm, sample_size=0, human_sample_size=400, seed=7)
    assert result.success
    metadata = pair_metadata(result)
    with warehouse.connect() as con:
        prompts = con.execute("SELECT prompt FROM raw.preferences LIMIT 5").fetchall()
        pairs = con.execute(
            """SELECT p.pair_id, p.verdict, p.human_label, p.prompt, a.text AS a, b.text AS b
               FROM prefs.pairs p JOIN prefs.responses a ON a.response_id = p.response_a_id
               JOIN prefs.responses b ON b.response_id = p.response_b_id""").df()
    assert all(prompt.rstrip().endswith("Assistant:") for (prompt,) in prompts)
    assert len(pairs) == 400 and metadata["bias/human_pairs"] == 400
    assert 0.4 < (pairs["human_label"] == "a").mean() < 0.6      # position and label not confounded

    # The stored agreement is the heuristic's, recomputed here pair by pair.
    expected = [heuristic.judge(p.prompt, p.a, p.b).winner.lower() for p in pairs.itertuples()]
    decided = [(e, h) for e, h in zip(expected, pairs["human_label"]) if e != "tie"]
    assert metadata["bias/human_agreement_excluding_ties"] == pytest.approx(
        sum(e == h for e, h in decided) / len(decided), abs=1e-4)
    assert metadata["bias/human_agreement_including_ties"] == pytest.approx(
        sum(e == h for e, h in decided) / len(pairs), abs=1e-4)
    assert metadata["self_consistency/consistency_rate"] == 1.0  # position-independent by construction, and named so

    second = run_prefs(warehouse, llm, sample_size=0, human_sample_size=400, seed=7)
    assert pair_metadata(second)["llm/calls_made"] == 0
    assert pair_metadata(second)["bias/human_agreement_excluding_ties"] == metadata["bias/human_agreement_excluding_ties"]


def test_generated_responses_get_the_compliance_scan(fake, warehouse):
    seed_sft(warehouse)
    private_key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END RSA PRIVATE KEY-----"

    def reply(body: dict):
        if is_judge(body):
            return verdict(longer_wins_judge(*shown(body)))
        text = request_text(body)
        if "boil an egg" in text:
            return "Ask the chef at chef.jones@example.com or call 415-555-0199 for the timing."
        if "bicycle tyre" in text:
            return f"Log in with this key first:\n{private_key}"
        return f"A default generated answer to: {text[:70]}"

    fake.reply = reply
    result = run_prefs(warehouse, claude(), sample_size=len(SFT_RECORDS), human_sample_size=0)
    assert result.success
    with warehouse.connect() as con:
        responses = con.execute(
            """SELECT p.prompt, r.origin, r.text, r.detail FROM prefs.pairs p
               JOIN prefs.responses r ON r.response_id = p.response_b_id""").df()
    egg = responses[responses["prompt"].str.contains("boil an egg")].iloc[0]
    assert egg["origin"] == "generated" and "chef.jones@example.com" not in egg["text"] and "[EMAIL_1]" in egg["text"]
    assert egg["detail"].startswith("redacted EMAIL x1")
    tyre = responses[responses["prompt"].str.contains("bicycle tyre")].iloc[0]
    assert tyre["origin"] == "degraded" and "PRIVATE KEY" not in tyre["text"]
    assert "compliance dropped the generation" in str(pair_metadata(result)["generation_fallbacks"])
