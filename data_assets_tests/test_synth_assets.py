"""The synthetic_pairs asset through Dagster: offline provider and the fake Anthropic server."""

import dagster as dg
import pytest

from data_assets.llm.resource import LLMResource
from data_assets.synth.assets import CHECKS, synthetic_pairs
from data_assets_tests.fake_anthropic import serving_claude
from data_assets_tests.stage_tables import SEED_TASKS, seed_documents

CURATED = [
    {"record_id": "r_cur1", "instruction": "What is the capital of France?", "response": "Paris is the capital of France."},
    {"record_id": "r_cur2", "instruction": "Explain photosynthesis in one paragraph.",
     "response": "Plants turn light, water and carbon dioxide into sugar and oxygen."},
]


def materialize(warehouse, llm, **config) -> dg.ExecuteInProcessResult:
    return dg.materialize([synthetic_pairs, *CHECKS], resources={"warehouse": warehouse, "llm": llm},
                          run_config={"ops": {"synthetic_pairs": {"config": config}}})


def metadata(result) -> dict:
    [m] = result.asset_materializations_for_node("synthetic_pairs")
    return {k: getattr(v, "value", v) for k, v in m.metadata.items()}


@pytest.fixture
def tables(warehouse):
    seed_documents(warehouse, SEED_TASKS + CURATED)
    return warehouse


def test_offline_loop_reaches_target_with_lineage_and_reruns_free(tables):
    warehouse = tables
    result = materialize(warehouse, LLMResource(), target_pairs=20)
    assert result.success and all(c.passed for c in result.get_asset_check_evaluations())
    meta = metadata(result)
    assert meta["stop_reason"] == "target_reached" and meta["kept"] == 20 and meta["verified"] == 20
    with warehouse.connect() as con:
        pairs = con.execute("SELECT record_id, seed_ids, provider, verified, verified_by, max_rouge_l FROM synth.pairs").df()
        edges = con.execute("SELECT child_id, parent_id, operation FROM lineage.edges WHERE stage = 'synth'").df()
        calls_before = con.execute("SELECT count(*), max(created_at) FROM llm.calls").fetchone()
    assert len(pairs) == 20 and set(pairs["provider"]) == {"offline"} and pairs["verified"].all()
    assert (pairs["max_rouge_l"] <= 0.7).all()
    # Every pair has one edge per in-context example, and every pair's examples include seed tasks.
    expected = {(p.record_id, s) for p in pairs.itertuples() for s in p.seed_ids}
    assert set(zip(edges["child_id"], edges["parent_id"])) == expected and set(edges["operation"]) == {"seed_example"}
    seeds = {t["record_id"] for t in SEED_TASKS}
    assert all(seeds & set(p) for p in pairs["seed_ids"])

    again = materialize(warehouse, LLMResource(), target_pairs=20)
    assert metadata(again)["llm/calls_made"] == 0 and metadata(again)["llm/cache_hits"] > 0
    with warehouse.connect() as con:
        assert con.execute("SELECT count(*), max(created_at) FROM llm.calls").fetchone() == calls_before
        assert sorted(con.execute("SELECT record_id FROM synth.pairs").df()["record_id"]) == sorted(pairs["record_id"])


def test_loop_stops_at_its_request_cap(tables):
    result = materialize(tables, LLMResource(), target_pairs=500, max_generation_requests=3, requests_per_round=2)
    meta = metadata(result)
    assert meta["stop_reason"] == "max_generation_requests" and meta["generation_requests"] == 3
    assert 0 < meta["kept"] < 500


def test_loop_stops_at_the_llm_spend_cap(tables):
    result = materialize(tables, LLMResource(max_requests_per_run=2), target_pairs=500, requests_per_round=3)
    meta = metadata(result)
    assert meta["stop_reason"] == "llm_spend_cap" and meta["llm/spend_cap_hit"] is True
    assert meta["kept"] < 500


GOOD_TASKS = [
    {"instruction": "Sort these numbers from smallest to largest: 42, 7, 19", "input": "", "response": "7, 19, 42",
     "task_type": "transformation", "domain": "math"},
    {"instruction": "Explain why autumn leaves turn red and yellow.", "input": "",
     "response": "Chlorophyll breaks down and reveals carotenoids; anthocyanins add red.", "task_type": "open_qa", "domain": "science"},
]
# A planted paraphrase of seed r_seed1: the novelty filter must reject it.
PLANTED = {"instruction": "Give three tips for staying very healthy.", "input": "", "response": "Sleep, eat greens, walk.",
           "task_type": "brainstorming", "domain": "health"}


def scripted_reply(body):
    system = body.get("system")
    system = system if isinstance(system, str) else " ".join(b.get("text", "") for b in system or [])
    if "You check training data" in system:
        return {"correct": True, "reason": "the response answers the instruction"}
    return {"tasks": [PLANTED, *GOOD_TASKS]}


@pytest.fixture
def fake(monkeypatch):
    with serving_claude(monkeypatch, "sk-ant-test-key", reply=scripted_reply) as server:
        yield server


def claude() -> LLMResource:
    return LLMResource(timeout_s=2.0, max_retries=1, max_validation_retries=0)


def test_fake_server_novelty_verification_and_no_new_calls_on_rerun(fake, tables):
    warehouse = tables
    result = materialize(warehouse, claude(), target_pairs=2, requests_per_round=1)
    assert result.success
    meta = metadata(result)
    assert meta["stop_reason"] == "target_reached" and meta["kept"] == 2
    with warehouse.connect() as con:
        pairs = con.execute("SELECT instruction, provider, verified, verified_by FROM synth.pairs ORDER BY instruction").df()
        rejected = con.execute("SELECT instruction, reason, detail FROM synth.rejected").df()
    assert set(pairs["provider"]) == {"anthropic"} and pairs["verified"].all()
    assert dict(zip(pairs["instruction"], pairs["verified_by"])) == {
        GOOD_TASKS[0]["instruction"]: "computation", GOOD_TASKS[1]["instruction"]: "judge"}
    planted = rejected[rejected["instruction"] == PLANTED["instruction"]]
    assert list(planted["reason"]) == ["not_novel"] and "r_seed1" in planted["detail"].iloc[0]
    sent = len(fake.message_requests())
    assert sent == 2   # one generation, one judge call (the sorting task is recomputed, not judged)

    again = materialize(warehouse, claude(), target_pairs=2, requests_per_round=1)
    assert again.success and len(fake.message_requests()) == sent
    assert metadata(again)["llm/calls_made"] == 0


def test_malformed_reply_is_recorded_and_the_asset_goes_on(fake, tables):
    warehouse = tables
    generation_calls = []

    def fault(index, body):
        if "You check training data" in str(body.get("system")):
            return None
        generation_calls.append(index)
        return "invalid_json" if len(generation_calls) == 1 else None

    fake.fault_for = fault
    result = materialize(warehouse, claude(), target_pairs=2, requests_per_round=1)
    assert result.success
    meta = metadata(result)
    assert meta["failed_or_declined_requests"] == 1 and meta["kept"] == 2
    with warehouse.connect() as con:
        failed = con.execute("SELECT reason, detail, raw_reply FROM synth.rejected WHERE reason = 'failed_request'").df()
        ledger = con.execute("SELECT status, error FROM llm.calls WHERE task = 'synth.generate' AND status = 'failed'").df()
    assert len(failed) == 1 and "validation" in failed["detail"].iloc[0]
    assert len(ledger) == 1
