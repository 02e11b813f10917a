"""The semantic assets in the real Dagster machinery on a real DuckDB file: a rephrased eval item
planted in the training sources never reaches sft.jsonl; without a model the steps skip and say so."""

from __future__ import annotations

import dagster as dg
import pytest

from data_assets import settings
from data_assets.compliance.assets import compliance_documents
from data_assets.dedup.assets import dedup_documents
from data_assets.export.assets import sft_export
from data_assets.ingest.assets import raw_documents
from data_assets.llm.resource import LLMResource
from data_assets.profile.assets import curated_profile
from data_assets.reporting import summary_text, trace_text
from data_assets.semantic import assets as semantic
from data_assets.semantic.model import EmbeddingsResource
from data_assets.warehouse import WarehouseResource
from data_assets_tests.fake_anthropic import request_text, serving_claude
from data_assets_tests.semantic_support import NEAR_MISS, PLANTED, embeddings, read_jsonl, write_planted_corpus  # noqa: F401

GRAPH = [raw_documents, compliance_documents, dedup_documents, semantic.semantic_dedup, semantic.generated_decontamination,
         sft_export, *semantic.CHECKS]


@pytest.fixture
def planted(tmp_path, monkeypatch):
    monkeypatch.setenv("DATA_ASSETS_SOURCES", str(write_planted_corpus(tmp_path / "corpus")))


def materialize(warehouse: WarehouseResource, embeddings_resource: EmbeddingsResource, llm: LLMResource | None = None,
                assets=GRAPH, config: dict | None = None) -> dg.ExecuteInProcessResult:
    run_config = {"ops": {"semantic_dedup": {"config": config}}} if config else None
    return dg.materialize(assets, resources={"warehouse": warehouse, "llm": llm or LLMResource(), "embeddings": embeddings_resource},
                          run_config=run_config, raise_on_error=False)


def record_id(warehouse: WarehouseResource, instruction: str) -> str:
    return warehouse.query_df("SELECT record_id FROM raw.documents WHERE instruction = ?", [instruction])["record_id"].item()


def metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict:
    events = [e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == asset]
    return {k: v.value for k, v in events[-1].step_materialization_data.materialization.metadata.items()}


def test_planted_rephrase_is_removed_as_semantic_contamination_and_traced(planted, warehouse, embeddings):
    result = materialize(warehouse, embeddings)
    assert result.success
    planted_id, near_miss_id = record_id(warehouse, PLANTED), record_id(warehouse, NEAR_MISS)
    exported = {row["id"] for row in read_jsonl(settings.exports_dir() / "sft.jsonl")}
    assert planted_id not in exported and near_miss_id in exported
    contamination = warehouse.query_df("SELECT method, eval_record_id, similarity FROM dedup.contamination WHERE record_id = ?", [planted_id])
    assert contamination["method"].tolist() == ["semantic"]
    text, found = trace_text(warehouse, planted_id)
    assert found and "contaminates_eval" in text and "semantic cosine=" in text and contamination["eval_record_id"].item() in text
    assert metadata(result, "semantic_dedup")["removed_as_rephrased_eval"] == 1


def test_rerun_is_answered_from_the_embedding_cache_and_changes_nothing(planted, warehouse, embeddings):
    assert materialize(warehouse, embeddings).success
    before = warehouse.query_df("SELECT * EXCLUDE (run_id) FROM semantic.paraphrase_pairs ORDER BY record_id")
    second = materialize(warehouse, embeddings, assets=[semantic.semantic_dedup, *semantic.CHECKS])
    assert second.success
    meta = metadata(second, "semantic_dedup")
    assert meta["embedded"] == 0 and meta["reused_from_cache"] > 0
    assert warehouse.query_df("SELECT * EXCLUDE (run_id) FROM semantic.paraphrase_pairs ORDER BY record_id").equals(before)
    assert warehouse.query_df("SELECT count(*) AS n FROM dedup.contamination WHERE method = 'semantic'")["n"].item() == 1


def test_raising_the_threshold_gives_the_record_back(planted, warehouse, embeddings):
    assert materialize(warehouse, embeddings).success
    planted_id = record_id(warehouse, PLANTED)
    strict = {"remove_at": 0.999, "borderline_from": 0.998}
    assert materialize(warehouse, embeddings, assets=[semantic.semantic_dedup, *semantic.CHECKS], config=strict).success
    assert warehouse.query_df("SELECT count(*) AS n FROM dedup.documents WHERE record_id = ?", [planted_id])["n"].item() == 1


def test_without_a_model_the_graph_runs_and_says_what_it_skipped(planted, warehouse, tmp_path):
    missing = EmbeddingsResource(model=str(tmp_path / "no-model-here"))
    result = materialize(warehouse, missing)
    assert result.success
    meta = metadata(result, "semantic_dedup")
    assert meta["semantic/status"] == "skipped" and "no sentence-transformers model" in meta["semantic/skipped_because"]
    summary = summary_text(warehouse)
    assert "paraphrase_decontamination   skipped" in summary and "generated_decontamination    skipped" in summary
    # As today: the planted rephrase passes n-gram decontamination and is exported.
    exported = {row["id"] for row in read_jsonl(settings.exports_dir() / "sft.jsonl")}
    assert record_id(warehouse, PLANTED) in exported


def test_borderline_pairs_go_to_the_claude_judge_once(planted, warehouse, embeddings, monkeypatch):
    judged = {"planted": 0}

    def reply(body):
        same = "integer solutions" in request_text(body)
        judged["planted"] += same
        return {"same_task": same, "reason": "scripted"}

    # remove_at above any real similarity: every match is borderline, so only the judge can remove.
    config = {"remove_at": 0.999, "borderline_from": 0.5}
    with serving_claude(monkeypatch, "sk-ant-test-semantic-SECRET", reply=reply) as server:
        llm = LLMResource(timeout_s=5.0, max_retries=1)
        first = materialize(warehouse, embeddings, llm=llm, config=config)
        assert first.success
        calls = len(server.message_requests())
        second = materialize(warehouse, embeddings, llm=llm, config=config)
        assert second.success and len(server.message_requests()) == calls   # answered from llm.calls
    planted_id = record_id(warehouse, PLANTED)
    pair = warehouse.query_df("SELECT decision, judge, band FROM semantic.paraphrase_pairs WHERE record_id = ?", [planted_id])
    assert pair["decision"].item() == "removed" and pair["band"].item() == "borderline" and pair["judge"].item().startswith("anthropic:")
    assert judged["planted"] == 1 and calls >= 1
    kept = warehouse.query_df("SELECT count(*) AS n FROM semantic.paraphrase_pairs WHERE decision = 'kept'")["n"].item()
    assert kept >= 1   # the judge said "different task" to the others, and they stayed


def test_offline_borderline_pairs_are_flagged_not_removed(planted, warehouse, embeddings):
    result = materialize(warehouse, embeddings, config={"remove_at": 0.999, "borderline_from": 0.5})
    assert result.success
    decisions = warehouse.query_df("SELECT DISTINCT decision FROM semantic.paraphrase_pairs")["decision"].tolist()
    assert decisions == ["flagged"]
    assert warehouse.query_df("SELECT count(*) AS n FROM dedup.contamination WHERE method = 'semantic'")["n"].item() == 0


def test_topic_clusters_show_in_the_profile(planted, warehouse, embeddings):
    result = materialize(warehouse, embeddings, assets=[*GRAPH[:4], curated_profile, semantic.topic_clusters])
    assert result.success
    meta = metadata(result, "topic_clusters")
    assert meta["semantic/status"] == "ran" and "data:image/png;base64" in meta["topic_map"]
    topics = warehouse.query_df("SELECT * FROM semantic.topics")
    assert len(topics) >= 2 and topics["train_records"].sum() == warehouse.query_df(
        "SELECT count(*) AS n FROM dedup.documents WHERE role = 'train'")["n"].item()
    shares = warehouse.query_df("SELECT sum(value) AS s FROM profile.snapshots WHERE statistic = 'topic_share'")["s"].item()
    assert shares == pytest.approx(1.0)


def test_semantic_dedup_when_turned_on_removes_with_lineage_and_gives_back_when_off(planted, warehouse, embeddings):
    on = {"semantic_dedup": True, "dedup_threshold": 0.8}
    assert materialize(warehouse, embeddings, config=on).success
    first, second = record_id(warehouse, "Give three tips for staying healthy."), \
        record_id(warehouse, "Share three pieces of advice for keeping healthy.")
    clusters = warehouse.query_df("SELECT record_id, representative_id FROM semantic.clusters")
    assert {first, second} <= set(clusters["record_id"])
    dropped = (set(clusters["record_id"]) - set(clusters["representative_id"])).pop()
    kept = warehouse.query_df("SELECT record_id FROM dedup.documents")["record_id"].tolist()
    assert dropped not in kept and clusters["representative_id"].iloc[0] in kept
    edge = warehouse.query_df("SELECT parent_id FROM lineage.edges WHERE stage = 'semantic' AND operation = 'duplicate_of' "
                              "AND child_id = ?", [dropped])
    assert edge["parent_id"].tolist() == [clusters["representative_id"].iloc[0]]
    assert materialize(warehouse, embeddings, assets=[semantic.semantic_dedup, *semantic.CHECKS]).success   # off again
    assert dropped in warehouse.query_df("SELECT record_id FROM dedup.documents")["record_id"].tolist()
