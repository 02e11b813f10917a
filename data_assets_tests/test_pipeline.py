"""The whole graph on the bundled sample, as `make run` runs it: every stage, twice."""

from __future__ import annotations

import json
import os

import dagster as dg
import pytest

from data_assets.compliance import CompliancePolicy, scan_and_redact
from data_assets.definitions import all_assets, all_checks, build_resources

# Tables whose content must be identical after a second run over unchanged inputs.
STABLE_TABLES = {
    "raw.documents": "record_id",
    "raw.rejects": "source, source_row",
    "raw.conversations": "record_id",
    "conversations.documents": "record_id",
    "compliance.documents": "record_id",
    "compliance.findings": "record_id, field, start",
    "dedup.documents": "record_id",
    "dedup.clusters": "record_id",
    "augment.documents": "record_id",
    "synth.pairs": "record_id",
    "prefs.pairs": "pair_id",
    "curves.points": "variant, trainer, n, seed",
}
VOLATILE = {"ingested_at", "rejected_at", "run_id", "created_at", "judged_at", "read_at", "scanned_at", "generated_at"}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("pipeline")
    env = {"DATA_ASSETS_DB": str(root / "warehouse.duckdb"), "DATA_ASSETS_EXPORTS": str(root / "exports"),
           "DATA_ASSETS_REPORTS": str(root / "reports"), "DATA_ASSETS_LLM": "offline"}
    saved = {k: os.environ.get(k) for k in [*env, "DATA_ASSETS_SOURCES", "ANTHROPIC_API_KEY"]}
    os.environ.update(env)
    _DATABASE["path"] = env["DATA_ASSETS_DB"]
    os.environ.pop("DATA_ASSETS_SOURCES", None)
    os.environ.pop("ANTHROPIC_API_KEY", None)
    try:
        with dg.instance_for_test() as instance:
            first = dg.materialize(all_assets + all_checks, resources=build_resources(), instance=instance, raise_on_error=False)
            snapshot = _snapshot()
            calls_after_first = _scalar("SELECT count(*) FROM llm.calls")
            second = dg.materialize(all_assets + all_checks, resources=build_resources(), instance=instance, raise_on_error=False)
            records = [record for asset in all_assets for key in asset.keys
                       for record in instance.fetch_materializations(key, limit=100).records]
            metadata_text = json.dumps([{k: str(v.value) for k, v in r.asset_materialization.metadata.items()} for r in records])
            logs = "\n".join(str(e.user_message) for r in (first, second) for e in instance.all_logs(r.run_id))
            yield {"first": first, "second": second, "snapshot": snapshot, "calls_after_first": calls_after_first,
                   "metadata_text": metadata_text, "logs": logs, "root": root}
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_DATABASE: dict[str, str] = {}


def _connect():
    """The module's warehouse; each test's own temporary one (conftest) is not the one the runs wrote."""
    from data_assets.warehouse import WarehouseResource

    return WarehouseResource(path=_DATABASE["path"]).connect()


def _scalar(sql: str):
    with _connect() as con:
        return con.execute(sql).fetchone()[0]


def _snapshot() -> dict[str, list]:
    out = {}
    with _connect() as con:
        for table, order in STABLE_TABLES.items():
            columns = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema || '.' || table_name = ? ORDER BY ordinal_position",
                [table]).fetchall() if r[0] not in VOLATILE]
            out[table] = con.execute(f"SELECT {', '.join(f'{chr(34)}{c}{chr(34)}' for c in columns)} FROM {table} ORDER BY {order}").fetchall()
    return out


def test_every_stage_materializes_and_every_check_passes(two_runs):
    first = two_runs["first"]
    failures = [e.step_key for e in first.all_events if e.event_type_value == "STEP_FAILURE"]
    assert first.success, failures
    evaluations = [e.event_specific_data for e in first.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    failed_checks = [(e.asset_key.to_user_string(), e.check_name) for e in evaluations
                     if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
    assert not failed_checks
    with _connect() as con:
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in STABLE_TABLES}
    # 7 malformed instruction rows and 6 malformed conversations (sample_data/conversations)
    assert counts["raw.documents"] == 311 and counts["raw.rejects"] == 13
    assert counts["compliance.documents"] == counts["raw.documents"]
    assert 0 < counts["dedup.documents"] < counts["compliance.documents"]
    for table in ("synth.pairs", "prefs.pairs", "curves.points", "augment.documents"):
        assert counts[table] > 0, table
    exports = two_runs["root"] / "exports"
    for name in ("sft.jsonl", "sft.parquet", "dpo.jsonl", "dpo.parquet"):
        assert (exports / name).stat().st_size > 0, name


def test_every_derived_row_reaches_a_source_row(two_runs):
    with _connect() as con:
        orphans = con.execute("""
            SELECT kind, id FROM (
                SELECT 'synth' AS kind, record_id AS id FROM synth.pairs
                UNION ALL SELECT 'augment', record_id FROM augment.documents
                UNION ALL SELECT 'prefs', pair_id FROM prefs.pairs
            ) derived
            WHERE id NOT IN (SELECT record_id FROM lineage.roots)
        """).fetchall()
    assert orphans == []


def test_a_second_run_changes_nothing_and_calls_no_model(two_runs):
    assert two_runs["second"].success
    assert _snapshot() == two_runs["snapshot"]
    assert _scalar("SELECT count(*) FROM llm.calls") == two_runs["calls_after_first"]
    with _connect() as con:
        duplicates = con.execute("SELECT count(*) FROM (SELECT request_hash FROM llm.calls GROUP BY 1 HAVING count(*) > 1)").fetchone()[0]
        edges = con.execute("SELECT count(*) FROM (SELECT child_id, parent_id, stage, operation FROM lineage.edges GROUP BY ALL HAVING count(*) > 1)").fetchone()[0]
    assert duplicates == 0 and edges == 0


def test_no_raw_pii_leaves_duckdb(two_runs):
    """Every PII value found in the raw text is absent from metadata, logs and exports."""
    with _connect() as con:
        rows = con.execute("SELECT instruction, input, response FROM raw.documents").fetchall()
    policy = CompliancePolicy()
    values = set()
    for row in rows:
        fields = dict(zip(("instruction", "input", "response"), (text or "" for text in row)))
        # What the scan decides for the whole record: the names of a work a prompt asks about
        # ("Summarise the plot of Romeo & Juliet": Tybalt) are its characters, flagged, not removed.
        outcome = scan_and_redact(fields, policy)
        for name, found in outcome.findings.items():
            for finding in found:
                value = fields[name][finding.start:finding.end]
                # Only what the default policy removes; flagged types (URL, LOCATION) stay in the text by design.
                if len(value) >= 6 and finding.score >= policy.min_score and policy.actions.get(finding.entity_type) in {"redact", "drop"}:
                    values.add(value)
    assert len(values) > 20  # the sample plants dozens
    assert two_runs["metadata_text"].count("dagster/row_count") >= 10 and len(two_runs["logs"]) > 1000  # really scanned
    exports = "".join(p.read_text(errors="ignore") for p in (two_runs["root"] / "exports").glob("*.jsonl"))
    for where, text in (("metadata", two_runs["metadata_text"]), ("logs", two_runs["logs"]), ("exports", exports)):
        leaked = sorted(v for v in values if v in text)
        assert not leaked, f"raw PII in {where}: {len(leaked)} values"


def test_the_run_publishes_a_card_and_a_report_whose_plots_render(two_runs):
    from data_assets_tests.test_publish import CHROMIUM, check_report_in_browser

    huggingface_hub = pytest.importorskip("huggingface_hub", reason="huggingface_hub (dev extra) is not installed")
    card = huggingface_hub.DatasetCard.load(two_runs["root"] / "exports" / "README.md")
    lines = (two_runs["root"] / "exports" / "sft.jsonl").read_text(encoding="utf-8").splitlines()
    assert f"{len(lines):,} chat conversations" in card.text and card.data.to_dict()["configs"][0]["config_name"] == "sft"
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed: the card was checked, the page is not rendered")
    shown = check_report_in_browser(two_runs["root"] / "reports" / "index.html", two_runs["root"] / "reports" / "report_page.png")
    assert {"curves_sft", "curves_reward", "profiles", "drops", "clusters", "bias"} <= set(shown)
