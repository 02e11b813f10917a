"""A process killed with SIGKILL while it calls Claude re-pays at most what was in flight: the
requests on the wire and the replies waiting for their write, each at most `max_in_flight`; every
other reply it had received is in llm.calls, so the next run pays only for the rest. A real process, the real
SDK, the fake server on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from data_assets_tests.fake_anthropic import serving_claude
from data_assets_tests.test_llm_claude import claude, judge_request

PROJECT = Path(__file__).resolve().parents[1]
REQUESTS = 400
IN_FLIGHT = 4
CHILD = f"""
from data_assets.llm.resource import LLMResource
from data_assets_tests.test_llm_claude import judge_request
LLMResource(max_in_flight={IN_FLIGHT}, max_retries=0, timeout_s=5.0).run([judge_request(i) for i in range({REQUESTS})])
"""


def test_a_killed_process_re_pays_at_most_what_was_in_flight(monkeypatch, warehouse):
    with serving_claude(monkeypatch, "sk-ant-test-kill", latency_s=0.005) as fake:
        child = subprocess.Popen([sys.executable, "-c", CHILD], cwd=PROJECT, env={**os.environ, "PYTHONPATH": str(PROJECT)},
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 120
        while len(fake.message_requests()) < REQUESTS // 3 and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        received = len(fake.message_requests())
        assert 0 < received < REQUESTS, child.communicate()[0][-2000:]
        with duckdb.connect(os.environ["DATA_ASSETS_DB"], read_only=True) as con:
            recorded = con.execute("SELECT count(*) FROM llm.calls WHERE status = 'ok'").fetchone()[0]
        assert received - recorded <= 2 * IN_FLIGHT, f"{received} requests reached the server, {recorded} in llm.calls"

        fake.reset_log()
        llm = claude(max_in_flight=IN_FLIGHT)
        assert all(r.ok for r in llm.run([judge_request(i) for i in range(REQUESTS)]))
        assert len(fake.message_requests()) == REQUESTS - recorded
