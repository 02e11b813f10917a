"""Spend accounting against the fake server through the real SDK: the dollar cap reserves for
validation re-asks, the cache key covers `max_tokens`, and a reply cut at `max_tokens` is recorded
as truncated, never cached as ok."""

from __future__ import annotations

from data_assets.llm import pricing
from data_assets.llm.spend import estimate_cost
from data_assets.llm.types import LLMRequest
from data_assets_tests.test_llm_claude import claude, fake, judge_request  # noqa: F401 - `fake` is a fixture


def free_text(max_tokens: int) -> LLMRequest:
    return LLMRequest(task="llmtest.write", system="Write.", prompt_version="v1",
                      messages=({"role": "user", "content": "a haiku about ledgers"},), max_tokens=max_tokens)


def test_raising_max_tokens_asks_again_instead_of_returning_the_cached_reply(fake, warehouse):
    assert claude().run([free_text(100)])[0].ok
    fake.reset_log()
    again = claude().run([free_text(400)])[0]
    assert not again.cached and len(fake.message_requests()) == 1
    assert fake.message_requests()[0]["body"]["max_tokens"] == 400


def test_a_reply_cut_at_max_tokens_is_recorded_as_truncated_and_asked_again_next_run(fake, warehouse):
    fake.reply = lambda body: "ledgers " * 40
    fake.script("max_tokens")
    llm = claude()
    result = llm.run([free_text(100)])[0]
    assert result.status == "failed" and result.error.startswith("truncated")
    assert llm.usage_metadata()["llm/failures_by_type"] == {"truncated": 1}
    row = warehouse.query_df("SELECT status, error FROM llm.calls").iloc[0]
    assert row.status == "failed" and row.error.startswith("truncated")
    fake.reset_log()
    assert claude().run([free_text(100)])[0].ok and len(fake.message_requests()) == 1


def test_a_truncated_structured_reply_is_not_asked_again_with_the_same_budget(fake, warehouse):
    fake.script("max_tokens")
    result = claude(max_validation_retries=2).run([judge_request(0)])[0]
    assert result.status == "failed" and result.error.startswith("truncated")
    assert len(fake.message_requests()) == 1


def test_the_dollar_cap_reserves_for_validation_re_asks(fake, warehouse):
    # Every reply is long and never validates: each request is asked 1 + 2 times, all billed.
    fake.reply = lambda body: "not json " * 90
    one_ask = estimate_cost(judge_request(0), pricing.DEFAULT_JUDGE_MODEL)
    cap = 3 * one_ask
    llm = claude(max_usd_per_run=cap, max_in_flight=4, max_validation_retries=2)
    results = llm.run([judge_request(i) for i in range(8)])
    assert {r.status for r in results} == {"failed", "skipped"}
    spent = warehouse.query_df("SELECT sum(cost_usd) AS usd, sum(attempts) AS asks FROM llm.calls").iloc[0]
    assert spent.asks >= 3 and spent.usd <= cap
