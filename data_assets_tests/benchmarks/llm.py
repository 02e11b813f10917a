"""LLM layer throughput: requests per second against the fake server answering in 200 ms.

8 requests in flight (the default) against 1 in flight as the baseline, in the same run, each the
median over repeats; then the re-run of the same requests, answered from `llm.calls`. Every
request goes through the real SDK, the structured-output parser and a DuckDB write, so the
numbers include the layer's own overhead, not only the server's latency.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel

from data_assets.llm.resource import LLMResource
from data_assets.llm.types import LLMRequest
from data_assets_tests.fake_anthropic import FakeAnthropic

LATENCY_S = 0.2
REPEATS = 3


class Verdict(BaseModel):
    winner: str
    reason: str
    confidence: int


def requests_for(tag: str, count: int) -> list[LLMRequest]:
    return [
        LLMRequest(task="bench.judge", system="Pick the better answer.", prompt_version=tag, model_role="judge",
                   messages=({"role": "user", "content": f"pair {i}: which is better, A or B?"},),
                   output_model=Verdict, max_tokens=200)
        for i in range(count)
    ]


@contextmanager
def _environment(base_url: str, database: Path):
    keys = ("ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY", "DATA_ASSETS_LLM", "DATA_ASSETS_DB")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update(ANTHROPIC_BASE_URL=base_url, ANTHROPIC_API_KEY="sk-ant-bench-not-a-key",
                      DATA_ASSETS_LLM="anthropic", DATA_ASSETS_DB=str(database))
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _throughput(llm: LLMResource, requests: list[LLMRequest]) -> tuple[float, dict]:
    started = time.perf_counter()
    results = llm.run(requests)
    elapsed = time.perf_counter() - started
    assert all(r.ok for r in results), "benchmark requests must all succeed"
    return len(requests) / elapsed, llm.usage_metadata()


def main() -> dict:
    with tempfile.TemporaryDirectory() as tmp, FakeAnthropic(latency_s=LATENCY_S) as server, \
            _environment(server.base_url, Path(tmp) / "bench.duckdb"):
        rows = []
        measured: dict[str, list[float]] = {"1 in flight": [], "8 in flight": [], "cache-hit re-run": []}
        for repeat in range(REPEATS):
            baseline_requests = requests_for(f"baseline-{repeat}", 15)
            rate, _ = _throughput(LLMResource(max_in_flight=1), baseline_requests)
            measured["1 in flight"].append(rate)

            parallel_requests = requests_for(f"parallel-{repeat}", 160)
            rate, meta = _throughput(LLMResource(max_in_flight=8), parallel_requests)
            assert meta["llm/calls_made"] == len(parallel_requests)
            measured["8 in flight"].append(rate)

            rate, meta = _throughput(LLMResource(max_in_flight=8), parallel_requests)
            assert meta["llm/calls_made"] == 0 and meta["llm/cache_hits"] == len(parallel_requests)
            measured["cache-hit re-run"].append(rate)

        medians = {name: statistics.median(values) for name, values in measured.items()}
        for name, values in measured.items():
            rows.append((name, medians[name], min(values), max(values)))
        print(f"fake server latency {LATENCY_S * 1000:.0f} ms, {REPEATS} repeats; requests/second")
        print(f"{'setting':<18} {'median':>9} {'min':>9} {'max':>9}")
        for name, median, low, high in rows:
            print(f"{name:<18} {median:>9.1f} {low:>9.1f} {high:>9.1f}")
        speedup = medians["8 in flight"] / medians["1 in flight"]
        ceiling = 8 / LATENCY_S
        print(f"8 in flight vs 1: {speedup:.1f}x; {medians['8 in flight']:.1f} req/s is "
              f"{100 * medians['8 in flight'] / ceiling:.0f}% of the {ceiling:.0f} req/s ceiling (target >= 30)")
        print(f"cache-hit re-run vs 8 in flight: {medians['cache-hit re-run'] / medians['8 in flight']:.0f}x")
        return {
            "latency_ms": LATENCY_S * 1000,
            "repeats": REPEATS,
            "requests_per_s_1_in_flight": round(medians["1 in flight"], 2),
            "requests_per_s_8_in_flight": round(medians["8 in flight"], 2),
            "requests_per_s_cache_hit_rerun": round(medians["cache-hit re-run"], 2),
            "speedup_8_vs_1": round(speedup, 2),
            "meets_30_per_s": medians["8 in flight"] >= 30,
        }


if __name__ == "__main__":
    main()
