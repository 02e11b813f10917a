"""The LLM layer without a network: configuration, request hashing, prices, the offline provider,
and `llm.calls` as cache and ledger."""

from __future__ import annotations

import sys
import types

import pytest
from pydantic import BaseModel, Field

from data_assets.llm import offline, pricing
from data_assets.llm.ledger import request_hash
from data_assets.llm.offline import offline_handler
from data_assets.llm.resource import LLMConfigError, LLMResource
from data_assets.llm.types import Declined, LLMRequest


class Sum(BaseModel):
    total: int = Field(ge=0)


@offline_handler("llmtest.add")
def _add(request: LLMRequest) -> Sum:
    return Sum(total=request.context["a"] + request.context["b"])


@offline_handler("llmtest.refuse")
def _refuse(request: LLMRequest) -> Declined:
    return Declined("translation needs a model; offline cannot do it honestly")


@offline_handler("llmtest.broken")
def _broken(request: LLMRequest) -> Sum:
    raise RuntimeError("handler bug")


@offline_handler("llmtest.negative")
def _negative(request: LLMRequest) -> dict:
    return {"total": -5}


def add_request(a: int, b: int, version: str = "v1", task: str = "llmtest.add") -> LLMRequest:
    return LLMRequest(
        task=task, system="Add the numbers.", messages=({"role": "user", "content": f"{a} + {b}"},),
        prompt_version=version, output_model=Sum, context={"a": a, "b": b},
    )


def calls(warehouse) -> list[tuple]:
    return warehouse.query_df("SELECT * FROM llm.calls ORDER BY task, request_hash").itertuples(index=False)


# ---- configuration ----------------------------------------------------------------------------


def test_anthropic_without_key_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("DATA_ASSETS_LLM", "anthropic")
    llm = LLMResource()
    with pytest.raises(LLMConfigError, match="ANTHROPIC_API_KEY is not set"):
        llm.run([add_request(1, 2)])
    with pytest.raises(LLMConfigError):
        _ = llm.provider_name


def test_auto_picks_claude_only_with_a_key(monkeypatch):
    monkeypatch.setenv("DATA_ASSETS_LLM", "auto")
    assert LLMResource().provider_name == "offline"
    assert LLMResource().model_for("judge") == pricing.OFFLINE_MODEL
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-SECRET123")
    llm = LLMResource(generate_model="claude-haiku-5-5")
    assert llm.provider_name == "anthropic"
    assert llm.model_for("generate") == "claude-haiku-5-5"
    assert llm.model_for("judge") == pricing.DEFAULT_JUDGE_MODEL


def test_unknown_provider_or_mode_is_refused(monkeypatch):
    monkeypatch.setenv("DATA_ASSETS_LLM", "gpt")
    with pytest.raises(LLMConfigError, match="unknown LLM provider"):
        _ = LLMResource().provider_name
    with pytest.raises(LLMConfigError, match="unknown LLM mode"):
        LLMResource(provider="offline", mode="nightly").run([add_request(1, 1)])


def test_from_env_passes_the_key_as_an_env_var(monkeypatch):
    assert LLMResource.from_env().api_key is None
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-SECRET123")
    import dagster as dg

    resource = LLMResource.from_env()
    assert isinstance(resource.api_key, dg.EnvVar)


# ---- hashing and prices ---------------------------------------------------------------------


def test_request_hash_covers_what_decides_the_answer():
    base = add_request(1, 2)
    assert request_hash(base, "m") == request_hash(add_request(1, 2), "m")
    assert request_hash(base, "m") != request_hash(base, "other-model")
    assert request_hash(base, "m") != request_hash(add_request(1, 2, version="v2"), "m")
    assert request_hash(base, "m") != request_hash(add_request(1, 3), "m")
    # the offline context is derived from the prompt, so it does not enter the hash
    same_prompt = LLMRequest(task=base.task, system=base.system, messages=base.messages, prompt_version="v1",
                             output_model=Sum, context={"anything": 1})
    assert request_hash(same_prompt, "m") == request_hash(base, "m")

    class Other(BaseModel):
        total: str

    other_schema = LLMRequest(task=base.task, system=base.system, messages=base.messages, prompt_version="v1",
                              output_model=Other)
    assert request_hash(other_schema, "m") != request_hash(base, "m")


def test_prices_batch_discount_and_long_prompts():
    sync = pricing.cost_usd("claude-sonnet-5-5", input_tokens=1_000_000, output_tokens=1_000_000)
    assert sync == pytest.approx(2.0 + 10.0)
    assert pricing.cost_usd("claude-sonnet-5-5", input_tokens=1_000_000, output_tokens=1_000_000, batch=True) == \
        pytest.approx(sync / 2)
    assert pricing.cost_usd("claude-sonnet-5-5", cache_read_tokens=1_000_000, cache_write_tokens=1_000_000) == \
        pytest.approx(0.10 + 2.50)
    short = pricing.cost_usd("claude-haiku-5-5", input_tokens=100_000, output_tokens=1000)
    long = pricing.cost_usd("claude-haiku-5-5", input_tokens=100_001, output_tokens=1000)
    assert long > 4.9 * short
    assert pricing.cost_usd("offline-v1", input_tokens=10**9) == 0.0
    # an unlisted model is priced as the dearest listed one, so caps stop early rather than late
    assert pricing.cost_usd("my-local-model", output_tokens=1_000_000) == \
        max(p.output for p in pricing.PRICES.values())
    assert pricing.model_line("claude-sonnet-5-5") == "claude-sonnet"
    assert pricing.model_line("offline-v1") == "offline"


# ---- offline provider -------------------------------------------------------------------------


def test_offline_answers_validates_and_records(warehouse):
    llm = LLMResource()
    requests = [add_request(i, 1) for i in range(4)] + [add_request(0, 1)]  # the last is a repeat
    results = llm.run(requests)
    assert [r.output.total for r in results] == [1, 2, 3, 4, 1]
    assert all(r.provider == "offline" and r.model == "offline-v1" and r.cost_usd == 0 for r in results)
    assert results[0].request_hash == results[4].request_hash
    rows = warehouse.query_df("SELECT provider, model, status, cost_usd, response FROM llm.calls")
    assert len(rows) == 4
    assert set(rows.provider) == {"offline"} and set(rows.status) == {"ok"}
    assert '{"total":3}' in set(rows.response)
    meta = llm.usage_metadata()
    assert meta["llm/provider"] == "offline"
    assert meta["llm/requests"] == 5 and meta["llm/calls_made"] == 4 and meta["llm/cache_hits"] == 0
    llm.reset_usage()
    assert llm.usage_metadata()["llm/requests"] == 0


def test_rerun_is_answered_from_the_cache(warehouse):
    LLMResource().run([add_request(i, 2) for i in range(3)])
    again = LLMResource()
    results = again.run([add_request(i, 2) for i in range(3)])
    assert all(r.cached and r.ok for r in results)
    assert [r.output.total for r in results] == [2, 3, 4]
    meta = again.usage_metadata()
    assert meta["llm/calls_made"] == 0 and meta["llm/cache_hits"] == 3
    assert warehouse.query_df("SELECT count(*) AS n FROM llm.calls").n[0] == 3


def test_decline_is_recorded_with_its_reason_and_never_invented(warehouse):
    llm = LLMResource()
    no_handler = LLMRequest(task="llmtest.translate", system="Translate.", prompt_version="v1",
                            messages=({"role": "user", "content": "Bonjour"},))
    results = llm.run([add_request(1, 1, task="llmtest.refuse"), no_handler])
    assert [r.status for r in results] == ["declined", "declined"]
    assert results[0].output is None and results[0].text is None
    assert "cannot do it honestly" in results[0].error
    assert results[1].error == "offline provider cannot do llmtest.translate honestly"
    rows = warehouse.query_df("SELECT task, status, error, response FROM llm.calls ORDER BY task")
    assert list(rows.status) == ["declined", "declined"]
    assert rows.response.isna().all()
    meta = llm.usage_metadata()
    assert meta["llm/declined"] == 2
    assert meta["llm/declined_reasons"]["offline provider cannot do llmtest.translate honestly"] == 1
    # A decline is an answer: the re-run reads it from llm.calls and makes no call, still one row each.
    again = LLMResource()
    rerun = again.run([add_request(1, 1, task="llmtest.refuse"), no_handler])
    assert [(r.status, r.cached) for r in rerun] == [("declined", True), ("declined", True)]
    assert again.usage_metadata()["llm/calls_made"] == 0
    assert warehouse.query_df("SELECT count(*) AS n FROM llm.calls").n[0] == 2


def test_a_bad_handler_fails_its_request_not_the_run(warehouse):
    llm = LLMResource()
    results = llm.run([add_request(1, 1, task="llmtest.broken"), add_request(1, 1, task="llmtest.negative"),
                       add_request(2, 2)])
    assert [r.status for r in results] == ["failed", "failed", "ok"]
    assert "RuntimeError: handler bug" in results[0].error
    assert "failed validation" in results[1].error and results[1].text == '{"total": -5}'
    meta = llm.usage_metadata()
    assert meta["llm/failures_by_type"] == {"offline_error": 1, "validation": 1}


def test_stage_handlers_are_imported_on_first_use(tmp_path, monkeypatch):
    package = tmp_path / "llmfakestage"
    package.mkdir()
    (package / "offline.py").write_text(
        "from data_assets.llm.offline import offline_handler\n"
        "@offline_handler('llmfakestage.echo')\n"
        "def echo(request):\n"
        "    return request.context['text'].upper()\n"
    )
    module = types.ModuleType("data_assets.llmfakestage")
    module.__path__ = [str(package)]
    monkeypatch.setitem(sys.modules, "data_assets.llmfakestage", module)
    request = LLMRequest(task="llmfakestage.echo", system="", messages=({"role": "user", "content": "hi"},),
                         prompt_version="v1", context={"text": "hi"})
    assert offline.handler_for("llmfakestage.echo") is not None
    [result] = LLMResource().run([request])
    assert result.ok and result.text == "HI"


def test_request_cap_applies_offline_too(warehouse):
    llm = LLMResource(max_requests_per_run=2)
    results = llm.run([add_request(i, 0) for i in range(5)])
    assert [r.status for r in results] == ["ok", "ok", "skipped", "skipped", "skipped"]
    assert "max_requests_per_run=2" in results[2].error
    meta = llm.usage_metadata()
    assert meta["llm/spend_cap_hit"] is True and meta["llm/skipped"] == 3
    # skipped requests leave no row: nothing happened to them
    assert warehouse.query_df("SELECT count(*) AS n FROM llm.calls").n[0] == 2
