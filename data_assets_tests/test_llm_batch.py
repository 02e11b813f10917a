"""Batch mode: the Message Batches API at half price, and a pending batch picked up again after an
interruption instead of being paid for twice."""

import pytest
from pydantic import BaseModel

from data_assets.llm import pricing
from data_assets.llm.resource import LLMResource
from data_assets.llm.types import LLMRequest
from data_assets_tests.fake_anthropic import serving_claude

SECRET = "sk-ant-test-SECRET123"


class Pair(BaseModel):
    instruction: str
    response: str


@pytest.fixture
def fake(monkeypatch):
    with serving_claude(monkeypatch, SECRET) as server:
        yield server


def batch_llm(**config) -> LLMResource:
    defaults = {"mode": "batch", "batch_poll_interval_s": 0.01, "timeout_s": 2.0, "max_retries": 1}
    return LLMResource(**{**defaults, **config})


def pair_request(i: int) -> LLMRequest:
    return LLMRequest(task="llmtest.generate", system="Write a task.", prompt_version="v1", output_model=Pair,
                      messages=({"role": "user", "content": f"seed {i}"},), max_tokens=300)


def test_batch_end_to_end_at_half_price(fake, warehouse):
    llm = batch_llm()
    results = llm.run([pair_request(i) for i in range(5)])
    assert all(r.ok and isinstance(r.output, Pair) for r in results)
    assert len(fake.batch_creates()) == 1 and fake.message_requests() == []
    sent = fake.batch_creates()[0]["body"]["requests"]
    assert len(sent) == 5 and {len(r["custom_id"]) for r in sent} == {40}
    assert sent[0]["params"]["output_config"]["format"]["type"] == "json_schema"
    assert "temperature" not in sent[0]["params"]
    rows = warehouse.query_df("SELECT * FROM llm.calls")
    assert set(rows["mode"]) == {"batch"} and set(rows.status) == {"ok"}
    assert rows.batch_id.nunique() == 1 and (rows.custom_id == rows.request_hash.str[:40]).all()
    row = rows.iloc[0]
    full = pricing.cost_usd(row.model, input_tokens=row.input_tokens, output_tokens=row.output_tokens)
    assert row.cost_usd == pytest.approx(full * pricing.BATCH_DISCOUNT)
    batches = warehouse.query_df("SELECT * FROM llm.batches")
    assert batches.status.tolist() == ["collected"] and batches.request_count.tolist() == [5]
    assert llm.usage_metadata()["llm/batch_ids"] == batches.batch_id.tolist()


def test_interrupted_batch_is_resumed_not_resubmitted(fake, warehouse):
    fake.batch_ready_after_polls = None  # the batch stays in progress until finish_batches()
    requests = [pair_request(i) for i in range(4)]
    first = batch_llm(batch_max_wait_s=0.1).run(requests)
    assert {r.status for r in first} == {"skipped"}
    assert "still in progress" in first[0].error
    # the batch id was stored before polling, with every request pending on it
    rows = warehouse.query_df("SELECT status, batch_id FROM llm.calls")
    assert set(rows.status) == {"pending"} and rows.batch_id.nunique() == 1
    assert warehouse.query_df("SELECT status FROM llm.batches").status.tolist() == ["in_progress"]

    fake.finish_batches()
    fake.batch_ready_after_polls = 1
    llm = batch_llm()
    second = llm.run(requests + [pair_request(9)])
    assert all(r.ok for r in second)
    # one new batch for the request the first run never had, none for the four already paid for
    creates = fake.batch_creates()
    assert len(creates) == 2 and len(creates[1]["body"]["requests"]) == 1
    rows = warehouse.query_df("SELECT status, count(*) AS n FROM llm.calls GROUP BY status")
    assert rows.status.tolist() == ["ok"] and rows.n.tolist() == [5]
    assert set(warehouse.query_df("SELECT status FROM llm.batches").status) == {"collected"}

    fake.reset_log()
    third = batch_llm()
    assert all(r.cached for r in third.run(requests))
    assert fake.log == []


def test_sync_mode_also_collects_a_pending_batch(fake, warehouse):
    fake.batch_ready_after_polls = None
    requests = [pair_request(i) for i in range(3)]
    batch_llm(batch_max_wait_s=0.05).run(requests)
    fake.finish_batches()
    results = LLMResource(mode="sync").run(requests)
    assert all(r.ok for r in results)
    assert fake.message_requests() == [] and len(fake.batch_creates()) == 1


def test_batch_respects_the_request_cap(fake, warehouse):
    llm = batch_llm(max_requests_per_run=2)
    results = llm.run([pair_request(i) for i in range(5)])
    assert [r.status for r in results] == ["ok", "ok", "skipped", "skipped", "skipped"]
    assert len(fake.batch_creates()[0]["body"]["requests"]) == 2
    assert llm.usage_metadata()["llm/spend_cap_hit"] is True


def test_invalid_batch_reply_is_failed_with_raw_text_and_retried_next_run(fake, warehouse):
    fake.reply = lambda body: "this is not JSON"
    [result] = batch_llm().run([pair_request(0)])
    assert result.status == "failed" and result.text == "this is not JSON"
    assert warehouse.query_df("SELECT status, response FROM llm.calls").iloc[0].tolist() == ["failed", "this is not JSON"]
    fake.reply = lambda body: {"instruction": "Add 2 and 3.", "response": "5"}
    [again] = batch_llm().run([pair_request(0)])
    assert again.ok and again.output.response == "5"
    assert len(fake.batch_creates()) == 2
