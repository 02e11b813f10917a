"""The dedup asset end to end on a temporary warehouse seeded with compliance output."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import pytest

from data_assets.dedup import assets as dedup_assets
from data_assets.dedup.clusters import DedupSettings
from data_assets.dedup.stage import run_dedup
from data_assets.warehouse.resource import insert_frame

BASE = ("The committee reviewed the proposal for the new library wing in great detail and after a long debate "
        "decided that the budget should be increased by ten percent next year so that the children's section "
        "can open on time with enough staff and books for every school in the district")
QUESTION = ("Explain why the Roman Empire split into an eastern and a western half during the third and fourth "
            "centuries and describe what happened to each half afterwards")


def _row(record_id: str, instruction: str, response: str, role: str = "train", origin: str = "human",
         status: str = "pass", source: str = "alpaca", input_: str = "") -> dict:
    return {"record_id": record_id, "source": source, "source_uri": f"/data/{source}.jsonl", "source_row": int(record_id[1:]),
            "role": role, "origin": origin, "license": "cc-by-nc-4.0", "instruction": instruction, "input": input_,
            "response": response, "status": status, "reasons": [], "findings": 0, "redactions": 0, "run_id": "seed"}


def corpus() -> list[dict]:
    return [
        _row("r01", BASE, "Approved."),
        _row("r02", BASE.upper() + " !!", "approved", origin="synthetic"),                  # exact (normalized) copy
        _row("r03", BASE.replace("great detail", "great and careful detail"), "Approved.", source="dolly"),  # near
        _row("r04", QUESTION, "Because of administrative pressure.", role="eval", source="evalset"),
        _row("r05", QUESTION, "Because of administrative pressure.", source="dolly"),         # exact eval copy
        _row("r06", QUESTION + " please", "Because of administrative pressure.", source="dolly"),  # near eval copy
        _row("r07", "Quote this for me: " + " ".join(QUESTION.split()[:16]), "Sure, here it is."),  # 13-gram leak
        _row("r08", "Name a primary color.", "Red."),
        _row("r09", "Name a primary color.", "Blue."),                                          # conflicting response
        _row("r10", "Write a haiku about rain.", "Soft rain on tin roofs"),
        _row("r11", "Write a haiku about rain.", "Soft rain on tin roofs", status="dropped"),   # dropped: not an input
        _row("r12", BASE, "Approved.", role="seed", source="seeds"),                            # seeds are their own set
    ]


def seed(warehouse, rows: list[dict]) -> None:
    with warehouse.connect() as con:
        con.execute("DELETE FROM compliance.documents")
        insert_frame(con, "compliance.documents", pd.DataFrame(rows))


def _materialize(warehouse) -> dg.ExecuteInProcessResult:
    return dg.materialize([dedup_assets.dedup_documents, *dedup_assets.CHECKS], resources={"warehouse": warehouse},
                          selection=dg.AssetSelection.assets("dedup_documents"))


def _tables(warehouse) -> dict[str, pd.DataFrame]:
    with warehouse.connect() as con:
        return {
            "documents": con.execute("SELECT * FROM dedup.documents ORDER BY record_id").df(),
            "clusters": con.execute("SELECT * FROM dedup.clusters ORDER BY record_id").df(),
            "contamination": con.execute("SELECT * FROM dedup.contamination ORDER BY record_id").df(),
            "conflicts": con.execute("SELECT * FROM dedup.conflicts ORDER BY record_id").df(),
            "edges": con.execute("SELECT child_id, parent_id, operation, detail FROM lineage.edges WHERE stage = 'dedup' ORDER BY child_id").df(),
        }


def test_materialize_writes_kept_records_clusters_contamination_and_edges(warehouse):
    seed(warehouse, corpus())
    result = _materialize(warehouse)
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert checks and all(c.passed for c in checks), [(c.check_name, c.metadata) for c in checks if not c.passed]
    t = _tables(warehouse)
    assert t["documents"]["record_id"].tolist() == ["r01", "r04", "r08", "r09", "r10", "r12"]
    assert set(t["documents"].columns) == {"record_id", "source", "source_uri", "source_row", "role", "origin", "license",
                                           "instruction", "input", "response"}
    clusters = t["clusters"].set_index("record_id")
    # r01 survives: human origin beats r02 (synthetic); the longer response breaks the tie with r03.
    assert set(clusters.index) == {"r01", "r02", "r03"} and set(clusters["representative_id"]) == {"r01"}
    assert clusters.loc["r02", "method"] == "exact" and clusters.loc["r02", "similarity"] == 1.0
    assert clusters.loc["r03", "method"] == "minhash" and 0.7 <= clusters.loc["r03", "similarity"] < 1.0
    contamination = t["contamination"].set_index("record_id")
    assert contamination["eval_record_id"].to_dict() == {"r05": "r04", "r06": "r04", "r07": "r04"}
    assert contamination["method"].to_dict() == {"r05": "exact", "r06": "minhash", "r07": "ngram"}
    assert contamination.loc["r07", "span_words"] >= 13
    assert set(t["conflicts"]["record_id"]) == {"r08", "r09"}
    edges = t["edges"].set_index("child_id")
    assert edges.loc["r02", ["parent_id", "operation", "detail"]].tolist() == ["r01", "duplicate_of", "exact"]
    assert edges.loc["r03", "detail"].startswith("minhash jaccard=0.")
    assert (edges.loc[["r05", "r06", "r07"], "operation"] == "contaminates_eval").all()
    assert "r11" not in set(clusters.index) | set(contamination.index) | set(t["documents"]["record_id"])

    materialization = result.asset_materializations_for_node("dedup_documents")[0]
    assert materialization.metadata["dagster/row_count"].value == 6
    assert materialization.metadata["records_hashed"].value == 11

    again = _materialize(warehouse)
    assert again.success
    assert again.asset_materializations_for_node("dedup_documents")[0].metadata["records_hashed"].value == 0
    t2 = _tables(warehouse)
    for name in t:
        pd.testing.assert_frame_equal(t[name], t2[name], check_dtype=False)


def test_without_eval_nothing_is_decontaminated_and_metadata_says_so(warehouse):
    seed(warehouse, [r for r in corpus() if r["role"] != "eval"])
    result = _materialize(warehouse)
    assert result.success
    metadata = result.asset_materializations_for_node("dedup_documents")[0].metadata
    assert "no eval records" in metadata["contamination"].value
    assert _tables(warehouse)["contamination"].empty


def _assert_same_outcome(a, b) -> None:
    for name in ("documents", "clusters", "contamination", "conflicts"):
        pd.testing.assert_frame_equal(a[name], b[name], check_dtype=False)
    pd.testing.assert_frame_equal(a["edges"], b["edges"], check_dtype=False)


def test_incremental_run_hashes_only_new_records_and_equals_a_fresh_run(warehouse, tmp_path):
    from data_assets.warehouse import WarehouseResource

    rows = corpus()
    first, later = rows[:6], rows[6:]
    seed(warehouse, first)
    settings = DedupSettings()
    assert run_dedup(warehouse, settings, "night-1").hashed == 6
    # A changed text is re-hashed too, a removed record's signature goes.
    changed = dict(first[0], response="Approved after review.")
    seed(warehouse, [changed, *first[1:], *later])
    outcome = run_dedup(warehouse, settings, "night-2")
    assert outcome.hashed == len(later) - 1 + 1 and outcome.reused == 5
    incremental = _tables(warehouse)

    fresh = WarehouseResource(path=str(tmp_path / "fresh.duckdb"))
    seed(fresh, [changed, *first[1:], *later])
    assert run_dedup(fresh, settings, "scratch").hashed == len(first) + len(later) - 1
    _assert_same_outcome(incremental, _tables(fresh))
    with warehouse.connect() as con:
        assert con.execute("SELECT count(*) FROM dedup.signatures").fetchone()[0] == len(first) + len(later) - 1


@pytest.mark.parametrize("status", ["pass", "redacted"])
def test_human_record_survives_over_synthetic_copy_whatever_its_id(warehouse, status):
    seed(warehouse, [_row("r1", BASE, "Approved.", origin="synthetic"), _row("r2", BASE, "Approved.", status=status)])
    run_dedup(warehouse, DedupSettings(), "run")
    assert _tables(warehouse)["documents"]["record_id"].tolist() == ["r2"]


def test_bundled_sample_planted_duplicates_and_eval_leaks_are_removed(warehouse):
    """raw ingest -> compliance -> dedup on the bundled sample: every planted exact copy and every
    train record behind the five contaminated eval items leaves the curated set."""
    import json
    from pathlib import Path

    from data_assets.compliance import assets as compliance_assets
    from data_assets.ingest import assets as ingest_assets

    result = dg.materialize([ingest_assets.raw_documents, compliance_assets.compliance_documents, dedup_assets.dedup_documents,
                             *dedup_assets.CHECKS], resources={"warehouse": warehouse})
    assert result.success
    assert all(c.passed for c in result.get_asset_check_evaluations())
    planted = json.loads((Path(dedup_assets.__file__).parents[1] / "sample_data" / "planted.json").read_text())
    with warehouse.connect() as con:
        where = con.execute("""SELECT c.record_id, c.source_uri, c.source_row, c.status,
                                      d.record_id IS NOT NULL AS kept, x.record_id IS NOT NULL AS contaminated
                               FROM compliance.documents c LEFT JOIN dedup.documents d USING (record_id)
                               LEFT JOIN dedup.contamination x USING (record_id)""").df()
        contaminated_evals = con.execute("SELECT DISTINCT eval_record_id FROM dedup.contamination").df()
    rows = where.set_index(["source_uri", "source_row"])
    copies = [p for p in planted if "exact_dup" in p["plants"]]
    assert copies
    for plant in copies:
        copy = rows.loc[(plant["source_uri"], plant["source_row"])]
        original = rows.loc[(plant["copy_of"]["source_uri"], plant["copy_of"]["source_row"])]
        if "dropped" in (copy["status"], original["status"]):
            continue
        # One of the two leaves; which one is the survivor rule's choice.
        assert not (copy["kept"] and original["kept"]), plant
    assert len(contaminated_evals) == 5


def test_an_eval_record_compliance_dropped_still_decontaminates_and_is_never_kept(warehouse):
    dropped_eval = _row("r04", QUESTION, "Because of administrative pressure.", role="eval", source="evalset", status="dropped")
    dropped_eval["reasons"] = ["license_not_allowed:proprietary"]
    rows = [r for r in corpus() if r["record_id"] != "r04"] + [dropped_eval]
    seed(warehouse, rows)
    result = _materialize(warehouse)
    assert result.success
    assert all(c.passed for c in result.get_asset_check_evaluations())
    t = _tables(warehouse)
    contamination = t["contamination"].set_index("record_id")
    assert contamination["eval_record_id"].to_dict() == {"r05": "r04", "r06": "r04", "r07": "r04"}
    assert set(contamination["stage"]) == {"dedup"}
    assert "r04" not in set(t["documents"]["record_id"])
    metadata = result.asset_materializations_for_node("dedup_documents")[0].metadata
    assert metadata["eval_records_dropped_by_compliance"].value == 1
    with warehouse.connect() as con:
        assert con.execute("SELECT clustering FROM dedup.settings").fetchall() == [("representative",)]


def test_shingle_sizes_past_eight_run_and_bad_values_fail_at_config_validation_naming_the_field(warehouse):
    seed(warehouse, corpus())
    config = {"shingle_words": 9, "ngram_words": 13}
    result = dg.materialize([dedup_assets.dedup_documents], resources={"warehouse": warehouse},
                            run_config={"ops": {"dedup_documents": {"config": config}}})
    assert result.success
    assert set(_tables(warehouse)["contamination"]["record_id"]) >= {"r05", "r06"}

    for bad, field in (({"shingle_words": 14}, "ngram_words"), ({"threshold": 1.5}, "threshold"),
                       ({"seed": -1}, "seed")):
        failed = dg.materialize([dedup_assets.dedup_documents], resources={"warehouse": warehouse}, raise_on_error=False,
                                run_config={"ops": {"dedup_documents": {"config": bad}}})
        assert not failed.success
        errors = [str(e.event_specific_data.error) for e in failed.all_events if e.event_type_value == "STEP_FAILURE"]
        assert errors and "DedupConfig" in errors[0] and field in errors[0], errors

    # A choice among names is part of the config schema: Dagster refuses it before the run starts.
    with pytest.raises(dg.DagsterInvalidConfigError, match="clustering"):
        dg.materialize([dedup_assets.dedup_documents], resources={"warehouse": warehouse},
                       run_config={"ops": {"dedup_documents": {"config": {"clustering": "chained"}}}})
