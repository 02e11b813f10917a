"""The LLM layer against a real HTTP server: the `anthropic` SDK, pointed by ANTHROPIC_BASE_URL at
the fake server on loopback, with faults injected."""

import json
import logging

import dagster as dg
import pytest
from pydantic import BaseModel

from data_assets.llm import claude as claude_module
from data_assets.llm import pricing
from data_assets.llm.resource import LLMResource
from data_assets.llm.spend import SpendCapReached, estimate_cost
from data_assets.llm.types import LLMRequest
from data_assets_tests.fake_anthropic import FakeAnthropic, request_text, serving_claude

SECRET = "sk-ant-test-SECRET123"


class Verdict(BaseModel):
    winner: str
    reason: str
    confidence: int


@pytest.fixture
def fake(monkeypatch):
    with serving_claude(monkeypatch, SECRET, slow_s=1.0, retry_after_s=0.05) as server:
        yield server


def claude(**config) -> LLMResource:
    defaults = {"timeout_s": 0.5, "max_retries": 2, "max_in_flight": 4}
    return LLMResource(**{**defaults, **config})


def judge_request(i: int, version: str = "v1") -> LLMRequest:
    return LLMRequest(
        task="llmtest.judge", system="Pick the better answer.", prompt_version=version, model_role="judge",
        messages=({"role": "user", "content": f"question {i}: A or B?"},), output_model=Verdict, max_tokens=200,
    )


def sent_questions(server: FakeAnthropic) -> list[str]:
    return sorted(request_text(e["body"]) for e in server.message_requests())


def test_structured_replies_are_parsed_priced_and_recorded(fake, warehouse):
    fake.reply = lambda body: {"winner": "A" if "question 1" in request_text(body) else "B",
                               "reason": "clearer", "confidence": 4}
    llm = claude()
    results = llm.run([judge_request(i) for i in range(3)])
    assert [r.output.winner for r in results] == ["B", "A", "B"]
    assert all(r.provider == "anthropic" and r.model == pricing.DEFAULT_JUDGE_MODEL for r in results)
    body = fake.message_requests()[0]["body"]
    assert body["model"] == pricing.DEFAULT_JUDGE_MODEL
    assert body["output_config"]["format"]["type"] == "json_schema"
    assert "temperature" not in body and "top_p" not in body
    rows = warehouse.query_df("SELECT * FROM llm.calls ORDER BY request_hash")
    assert len(rows) == 3 and set(rows.status) == {"ok"} and set(rows.provider) == {"anthropic"}
    row = rows.iloc[0]
    assert row.input_tokens > 0 and row.output_tokens > 0 and row.attempts == 1 and row.latency_ms > 0
    assert row.cost_usd == pytest.approx(pricing.cost_usd(row.model, input_tokens=row.input_tokens,
                                                          output_tokens=row.output_tokens))
    meta = llm.usage_metadata()
    assert meta["llm/calls_made"] == 3 and meta["llm/ok"] == 3
    assert meta["llm/cost_usd"] == pytest.approx(rows.cost_usd.sum(), rel=1e-6)
    assert meta["llm/input_tokens"] == rows.input_tokens.sum()


def test_free_text_request(fake):
    request = LLMRequest(task="llmtest.respond", system="", prompt_version="v1",
                         messages=({"role": "user", "content": "Say hi"},))
    [result] = claude().run([request])
    assert result.ok and result.output is None and result.text.startswith("fake reply to: Say hi")


@pytest.mark.parametrize("fault", ["429", "500", "529", "slow"])
def test_transient_faults_are_retried_by_the_sdk(fake, warehouse, fault):
    fake.script(fault)
    llm = claude(max_in_flight=1)
    [result] = llm.run([judge_request(0)])
    assert result.ok
    assert len(fake.message_requests()) == 2
    row = warehouse.query_df("SELECT status, attempts FROM llm.calls").iloc[0]
    assert row.status == "ok" and row.attempts == 2
    expected = {"429": "http_429", "500": "http_500", "529": "http_529", "slow": "timeout"}[fault]
    assert llm.usage_metadata()["llm/retried_faults"] == {expected: 1}


def test_retry_after_is_honoured(fake):
    fake.retry_after_s = 0.6
    fake.script("429")
    claude(max_in_flight=1).run([judge_request(0)])
    first, second = fake.message_requests()
    assert second["at"] - first["at"] >= 0.55


def test_persistent_fault_fails_the_request_with_its_type(fake, warehouse):
    fake.script("529", "529")
    llm = claude(max_retries=1, max_in_flight=1)
    results = llm.run([judge_request(0), judge_request(1)])
    assert [r.status for r in results] == ["failed", "ok"]
    assert "529" in results[0].error
    assert llm.usage_metadata()["llm/failures_by_type"] == {"http_529": 1}
    assert warehouse.query_df("SELECT status FROM llm.calls ORDER BY status").status.tolist() == ["failed", "ok"]


@pytest.mark.parametrize("fault", ["invalid_json", "garbage"])
def test_invalid_reply_is_asked_again(fake, fault):
    fake.script(fault)
    llm = claude(max_in_flight=1)
    [result] = llm.run([judge_request(0)])
    assert result.ok and len(fake.message_requests()) == 2
    assert llm.usage_metadata()["llm/retried_faults"] == {"invalid_reply": 1}


@pytest.mark.parametrize("fault,raw", [("invalid_json", "not what the schema asked for"),
                                       ("garbage", "upstream proxy error")])
def test_reply_that_never_validates_is_failed_with_its_raw_text(fake, warehouse, fault, raw):
    fake.script(fault, fault, fault)
    llm = claude(max_in_flight=1, max_validation_retries=2)
    [result] = llm.run([judge_request(0)])
    assert result.status == "failed" and raw in result.text
    assert len(fake.message_requests()) == 3
    row = warehouse.query_df("SELECT status, response, error, attempts FROM llm.calls").iloc[0]
    assert row.status == "failed" and raw in row.response and "validation" in row.error and row.attempts == 3
    assert llm.usage_metadata()["llm/failures_by_type"] == {"validation": 1}
    # the next run asks again, and a good answer replaces the failed row
    [again] = claude().run([judge_request(0)])
    assert again.ok
    rows = warehouse.query_df("SELECT status, prior_cost_usd FROM llm.calls")
    assert rows.status.tolist() == ["ok"]


def test_killed_run_keeps_the_requests_that_finished(fake, warehouse, monkeypatch):
    real_call = claude_module.call
    calls_started = []

    def call_then_die(client, request, model, **kwargs):
        calls_started.append(request)
        if len(calls_started) == 6:
            raise KeyboardInterrupt  # the process is told to stop while requests are in flight
        return real_call(client, request, model, **kwargs)

    monkeypatch.setattr(claude_module, "call", call_then_die)
    fake.latency_s = 0.05
    with pytest.raises(KeyboardInterrupt):
        claude(max_in_flight=3).run([judge_request(i) for i in range(10)])
    # every reply the server sent, including those in flight at the interrupt, is in the ledger
    answered = len(fake.message_requests())
    rows = warehouse.query_df("SELECT status FROM llm.calls")
    assert answered >= 5 and rows.status.tolist() == ["ok"] * answered

    monkeypatch.setattr(claude_module, "call", real_call)
    fake.reset_log()
    llm = claude()
    assert all(r.ok for r in llm.run([judge_request(i) for i in range(10)]))
    assert len(fake.message_requests()) == 10 - answered
    assert llm.usage_metadata()["llm/cache_hits"] == answered


def test_outage_keeps_what_was_paid_for_and_rerun_sends_only_the_rest(fake, warehouse):
    requests = [judge_request(i) for i in range(10)]
    fake.outage_after(4, status=500)
    first = claude(max_retries=0).run(requests)
    assert sum(r.ok for r in first) == 4 and sum(r.status == "failed" for r in first) == 6
    rows = warehouse.query_df("SELECT status, count(*) AS n FROM llm.calls GROUP BY status ORDER BY status")
    assert dict(zip(rows.status, rows.n)) == {"failed": 6, "ok": 4}

    missing = sorted(f"question {i}: A or B?" for i, r in enumerate(first) if not r.ok)
    fake.end_outage()
    fake.reset_log()
    llm = claude()
    second = llm.run(requests)
    assert all(r.ok for r in second)
    assert len(fake.message_requests()) == 6
    assert sent_questions(fake) == missing
    meta = llm.usage_metadata()
    assert meta["llm/cache_hits"] == 4 and meta["llm/calls_made"] == 6
    counts = warehouse.query_df("SELECT count(*) AS n, count(DISTINCT request_hash) AS d FROM llm.calls").iloc[0]
    assert counts.n == counts.d == 10

    fake.reset_log()
    third = claude()
    assert all(r.cached for r in third.run(requests))
    assert fake.log == [] and third.usage_metadata()["llm/calls_made"] == 0


def test_request_cap_stops_sending(fake, warehouse):
    llm = claude(max_requests_per_run=3, max_in_flight=2)
    results = llm.run([judge_request(i) for i in range(8)])
    assert sum(r.ok for r in results) == 3 and sum(r.status == "skipped" for r in results) == 5
    assert len(fake.message_requests()) == 3
    meta = llm.usage_metadata()
    assert meta["llm/spend_cap_hit"] is True and meta["llm/spend_cap"] == "max_requests_per_run=3"
    assert warehouse.query_df("SELECT count(*) AS n FROM llm.calls").n[0] == 3


def test_dollar_cap_stops_sending_and_can_fail_the_run(fake, warehouse):
    fake.reply = lambda body: {"winner": "A", "reason": "long-winded " * 60, "confidence": 3}
    one = estimate_cost(judge_request(0), pricing.DEFAULT_JUDGE_MODEL)
    llm = claude(max_usd_per_run=3 * one, max_in_flight=1, fail_on_spend_cap=True)
    with pytest.raises(SpendCapReached):
        llm.run([judge_request(i) for i in range(10)])
    sent = len(fake.message_requests())
    assert 0 < sent < 10
    rows = warehouse.query_df("SELECT count(*) AS n, sum(cost_usd) AS usd FROM llm.calls").iloc[0]
    assert rows.n == sent and rows.usd <= 3 * one
    assert llm.usage_metadata()["llm/spend_cap"].startswith("max_usd_per_run")


def test_api_key_never_reaches_logs_metadata_or_duckdb(fake, warehouse, caplog):
    caplog.set_level(logging.DEBUG)
    fake.script("429", "500", "invalid_json", "invalid_json", "invalid_json", "garbage")
    llm = claude(max_in_flight=1, max_retries=1, max_validation_retries=1)
    llm.run([judge_request(i) for i in range(5)])
    headers = fake.message_requests()[0]["headers"]
    assert SECRET in json.dumps(headers)  # it was sent, so the checks below can fail
    assert SECRET not in caplog.text
    assert SECRET not in json.dumps(llm.usage_metadata(), default=str)
    table = warehouse.query_df("SELECT * FROM llm.calls").to_json()
    assert SECRET not in table
    assert "failed" in table or "ok" in table


def test_dagster_asset_wiring_and_metadata(fake, warehouse, monkeypatch):
    requests = [judge_request(i) for i in range(4)]

    @dg.asset(kinds={"duckdb", "anthropic"}, group_name="llmtest")
    def judged(context: dg.AssetExecutionContext, llm: LLMResource) -> dg.MaterializeResult:
        results = llm.run(requests, context=context)
        return dg.MaterializeResult(metadata={**llm.usage_metadata(), "winners": sum(r.ok for r in results)})

    @dg.asset(kinds={"duckdb", "anthropic"}, group_name="llmtest", deps=[judged])
    def judged_again(context: dg.AssetExecutionContext, llm: LLMResource) -> dg.MaterializeResult:
        llm.run(requests[:2], context=context)
        return dg.MaterializeResult(metadata=llm.usage_metadata())

    resources = {"llm": LLMResource.from_env(timeout_s=0.5, max_retries=1)}
    with dg.instance_for_test() as instance:
        first = dg.materialize([judged, judged_again], resources=resources, instance=instance)
        assert first.success
        meta = first.asset_materializations_for_node("judged")[0].metadata
        assert meta["llm/calls_made"].value == 4 and meta["llm/provider"].value == "anthropic"
        assert meta["llm/cost_usd"].value > 0
        # each asset reports its own usage: the second one asked for two requests, both cached
        again = first.asset_materializations_for_node("judged_again")[0].metadata
        assert again["llm/requests"].value == 2 and again["llm/cache_hits"].value == 2
        assert again["llm/calls_made"].value == 0

        fake.reset_log()
        second = dg.materialize([judged], resources=resources, instance=instance)
        meta = second.asset_materializations_for_node("judged")[0].metadata
        assert meta["llm/calls_made"].value == 0 and meta["llm/cache_hits"].value == 4
        assert fake.message_requests() == []

        # The run that asked the API logs one summary line (judged's 4 calls; judged_again was all
        # cache hits, so it had nothing to ask and logs none); the fully cached run logs no summary.
        def done_lines(run) -> list[str]:
            return [e.user_message for e in instance.all_logs(run.run_id) if "llm: done" in (e.user_message or "")]

        first_lines = done_lines(first)
        assert len(first_lines) == 1 and "llm: done: 4 calls, 0 cache hits" in first_lines[0]
        assert done_lines(second) == []
        for run in (first, second):
            events = instance.all_logs(run.run_id)
            assert SECRET not in json.dumps([str(e) for e in events])
            assert SECRET not in json.dumps(instance.get_run_by_id(run.run_id).run_config, default=str)
