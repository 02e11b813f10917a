"""The UI as a user meets it: `dagster dev` on loopback, its GraphQL API, and a real browser."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from data_assets.definitions import defs

PROJECT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.ui


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _graphql(base: str, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(f"{base}/graphql", data=json.dumps({"query": query, "variables": variables or {}}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.loads(response.read())
    assert "errors" not in body, body
    return body["data"]


@pytest.fixture(scope="module")
def webserver(tmp_path_factory: pytest.TempPathFactory):
    """`dagster dev -w workspace.yaml` with a temporary DAGSTER_HOME holding the committed dagster.yaml."""
    root = tmp_path_factory.mktemp("ui")
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "DATA_ASSETS_DB": str(root / "warehouse.duckdb"),
           "DATA_ASSETS_EXPORTS": str(root / "exports"), "DATA_ASSETS_REPORTS": str(root / "reports"), "DATA_ASSETS_LLM": "offline"}
    env.pop("ANTHROPIC_API_KEY", None)
    env.pop("DATA_ASSETS_SOURCES", None)
    port = _free_port()
    log = (root / "dagster_dev.log").open("w")
    process = subprocess.Popen([str(Path(sys.executable).with_name("dagster")), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
                               cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{base}/server_info", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert process.poll() is None, (root / "dagster_dev.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "dagster dev did not answer /server_info within 180 s"
            time.sleep(1)
        yield base, root
    finally:
        # SIGINT is how a user stops `dagster dev`; it shuts down the webserver and daemon cleanly.
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def test_graphql_lists_the_asset_graph_and_runs_the_nightly_job(webserver):
    base, root = webserver
    data = _graphql(base, "{ assetNodes { assetKey { path } dependencyKeys { path } groupName } }")
    nodes = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    graph = defs.resolve_asset_graph()
    expected = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert set(nodes) == expected
    for key in graph.get_all_asset_keys():
        deps = {"/".join(d["path"]) for d in nodes[key.to_user_string()]["dependencyKeys"]}
        assert deps == {p.to_user_string() for p in graph.get(key).parent_keys}

    launched = _graphql(base, """
        mutation($params: ExecutionParams!) {
          launchRun(executionParams: $params) {
            __typename
            ... on LaunchRunSuccess { run { runId } }
            ... on PythonError { message }
            ... on InvalidStepError { invalidStepKey }
            ... on RunConfigValidationInvalid { errors { message } }
          }
        }""", {"params": {"selector": {"repositoryLocationName": "data_assets", "repositoryName": "__repository__",
                                       "jobName": "nightly_job"}, "runConfigData": {}}})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    deadline = time.monotonic() + 600
    status = None
    while time.monotonic() < deadline:
        status = _graphql(base, "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }", {"id": run_id})["runOrError"]["status"]
        if status in {"SUCCESS", "FAILURE", "CANCELED"}:
            break
        time.sleep(2)
    assert status == "SUCCESS", f"nightly run {run_id} ended {status}; see {root / 'dagster_dev.log'}"


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed: `apt-get install chromium` (see README, 'The UI') to run the browser check")
def test_browser_shows_the_asset_graph(webserver):
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright (dev extra) is not installed")
    base, root = webserver
    # Under the project's own .data/reports (not the test's temporary one): a person looks there.
    screenshots = PROJECT / ".data" / "reports"
    screenshots.mkdir(parents=True, exist_ok=True)
    graph = defs.resolve_asset_graph()
    groups: dict[str, set[str]] = {}
    for key in graph.get_all_asset_keys():
        groups.setdefault(graph.get(key).group_name, set()).add(key.to_user_string())
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(f"{base}/asset-groups")
        page.wait_for_selector("text=Global asset lineage", timeout=60_000)
        skip = page.get_by_role("button", name="Skip")  # the first-visit newsletter dialog
        if skip.count():
            skip.first.click()
        page.screenshot(path=str(screenshots / "ui_asset_graph.png"))
        for group, names in sorted(groups.items()):
            page.goto(f"{base}/locations/data_assets/asset-groups/{group}")
            first = sorted(names)[0]
            page.wait_for_selector(f"text={first}", timeout=60_000)
            body = page.inner_text("body")
            assert all(name in body for name in names), (group, names)
            page.screenshot(path=str(screenshots / f"ui_group_{group}.png"))
        browser.close()
    assert (screenshots / "ui_asset_graph.png").stat().st_size > 10_000
