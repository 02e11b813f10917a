"""The optional NER model (`ner_model`): a real spaCy pipeline, saved to a directory and loaded by
path as a user's installed model would be. No trained model can be installed here (they
download), so the pipeline's entity recognizer is an entity ruler with invented names: what is
tested is how a model's entities join the rules', the policy, the stage and the errors, not
how well any model finds names."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
import spacy
import yaml

from data_assets.compliance import CompliancePolicy, detect, scan_and_redact
from data_assets.compliance import assets as compliance
from data_assets.compliance.ner import NerModelError, load, merge_people
from data_assets.compliance.findings import Finding
from data_assets.compliance.policy_store import policy_from_json, policy_json, stored_policy
from data_assets.compliance.residual import residual_findings
from data_assets.ingest.assets import raw_documents, raw_preferences

# Names that no word list here holds and no cue introduces: the rules alone leave them.
FULL_NAME = "Quorvath Belindrel"
LONE_NAME = "Brumo"
PLACE = "Vendrasholm"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> str:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([
        {"label": "PERSON", "pattern": FULL_NAME},
        {"label": "PERSON", "pattern": LONE_NAME},
        {"label": "PERSON", "pattern": "Anna Quorvath"},
        {"label": "GPE", "pattern": PLACE},
        {"label": "ORG", "pattern": "Belindrel Holdings"},
    ])
    path = tmp_path_factory.mktemp("ner") / "pipeline"
    nlp.to_disk(path)
    return str(path)


def _found(text: str, model: str | None) -> list[tuple[str, str, str]]:
    return [(text[f.start:f.end], f.entity_type, f.detector) for f in detect(text, model)]


def test_a_name_no_rule_finds_is_found_by_the_model(model_dir):
    text = f"Yesterday {FULL_NAME} signed the lease for the flat."
    assert not [f for f in _found(text, None) if f[1] == "PERSON"]
    assert (FULL_NAME, "PERSON", "ner") in _found(text, model_dir)


def test_a_name_both_find_is_one_finding(model_dir):
    text = "Yesterday Anna Quorvath signed the lease; write to anna.q@example.org."
    people = [f for f in _found(text, model_dir) if f[1] == "PERSON"]
    assert people == [("Anna Quorvath", "PERSON", "name_lexicon")]


def test_overlapping_names_become_one_finding_over_both_spans():
    # The rules were sure of a part (a cue): their detector stays, the span grows to the model's.
    sure = [Finding(0, 10, "PERSON", "name_cue", 0.85)]
    assert merge_people(sure, [Finding(5, 18, "PERSON", "ner", 0.8)]) == [Finding(0, 18, "PERSON", "name_cue", 0.85)]
    # The rules only guessed (a lone given name, an unknown pair): the model's reading decides.
    lone = [Finding(0, 4, "PERSON", "name_alone", 0.75)]
    assert merge_people(lone, [Finding(0, 13, "PERSON", "ner", 0.85)]) == [Finding(0, 13, "PERSON", "ner", 0.85)]
    assert merge_people(lone, [Finding(0, 4, "PERSON", "ner_alone", 0.85)]) == [Finding(0, 4, "PERSON", "name_alone", 0.85)]
    # A model name apart from every rule name is added; no model names change nothing.
    assert merge_people(sure, [Finding(30, 36, "PERSON", "ner_alone", 0.85)]) == [*sure, Finding(30, 36, "PERSON", "ner_alone", 0.85)]
    assert merge_people(sure, []) == sure


def test_a_lone_model_name_follows_the_lone_given_name_rule(model_dir):
    # In text that holds nothing else personal a one-word name is flagged, as the rules' lone names are.
    alone = f"Yesterday {LONE_NAME} walked to the market and bought bread."
    assert (LONE_NAME, "GIVEN_NAME", "ner_alone") in _found(alone, model_dir)
    with_email = f"Yesterday {LONE_NAME} walked to the market; reach her at ix@example.org."
    assert (LONE_NAME, "PERSON", "ner_alone") in _found(with_email, model_dir)


def test_places_are_flagged_locations_and_other_labels_are_ignored(model_dir):
    text = f"The office of Belindrel Holdings is in {PLACE}."
    found = _found(text, model_dir)
    assert (PLACE, "LOCATION", "ner") in found
    assert not [f for f in found if "Belindrel" in f[0]]


def test_the_stage_redacts_model_names_and_its_own_recheck_finds_nothing_left(model_dir):
    policy = CompliancePolicy(ner_model=model_dir)
    outcome = scan_and_redact({"instruction": f"Draft a note about {FULL_NAME} and the lease.", "response": f"Dear {FULL_NAME}, ..."},
                              policy)
    assert outcome.status == "redacted"
    assert FULL_NAME not in json.dumps(outcome.fields)
    assert outcome.fields["instruction"] == "Draft a note about [PERSON_1] and the lease."
    docs = pd.DataFrame([{"record_id": "r1", "instruction": outcome.fields["instruction"], "input": "",
                          "response": outcome.fields["response"]}])
    assert residual_findings(docs, policy) == {}
    # Without the model, the same record passes: the option is what finds the name.
    assert scan_and_redact({"instruction": f"Draft a note about {FULL_NAME} and the lease."}, CompliancePolicy()).status == "pass"


def test_a_name_in_a_creative_writing_request_stays_a_character(model_dir):
    outcome = scan_and_redact({"instruction": f"Write a short story about {FULL_NAME} and a dragon."},
                              CompliancePolicy(ner_model=model_dir))
    assert outcome.status == "pass"
    assert [f.entity_type for f in outcome.findings["instruction"]] == ["CHARACTER"]


def test_a_model_that_is_not_installed_is_one_clear_error(tmp_path):
    with pytest.raises(NerModelError, match=r"not an installed spaCy pipeline.*spacy download"):
        load("en_core_web_nonexistent")
    empty = spacy.blank("en")
    empty.to_disk(tmp_path / "blank")
    with pytest.raises(NerModelError, match="no entity recognizer"):
        load(str(tmp_path / "blank"))


def test_the_policy_keeps_its_model_when_stored_and_old_policies_read_as_none(model_dir):
    policy = CompliancePolicy(ner_model=model_dir)
    assert policy_from_json(policy_json(policy)) == policy
    old = json.loads(policy_json(CompliancePolicy()))
    del old["ner_model"]
    assert policy_from_json(json.dumps(old)).ner_model is None


def _sources(folder: Path) -> Path:
    rows = [{"instruction": f"Forward the contract to {FULL_NAME} today.", "output": "Sent."},
            {"instruction": "What is the capital of France?", "output": "Paris."}]
    (folder / "train.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    path = folder / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [{"name": "train", "path": "train.jsonl", "role": "train", "origin": "human",
                                                 "license": "CC-BY-4.0", "fields": {"response": "output"}}]}))
    return path


def _materialize(sources: Path, warehouse, compliance_config: dict, raise_on_error: bool = True):
    return dg.materialize(
        [raw_documents, raw_preferences, *compliance.ASSETS, *compliance.CHECKS],
        resources={"warehouse": warehouse},
        run_config={"ops": {"raw_documents": {"config": {"sources_path": str(sources)}},
                            "raw_preferences": {"config": {"sources_path": str(sources)}},
                            "compliance_documents": {"config": compliance_config}}},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=raise_on_error,
    )


def test_the_stage_uses_the_configured_model_and_stores_it_with_the_policy(tmp_path, warehouse, model_dir):
    result = _materialize(_sources(tmp_path), warehouse, {"ner_model": model_dir})
    assert result.success
    con = duckdb.connect(warehouse.database, read_only=True)
    docs = dict(con.execute("SELECT instruction, status FROM compliance.documents").fetchall())
    detectors = [r[0] for r in con.execute("SELECT detector FROM compliance.findings WHERE entity_type = 'PERSON'").fetchall()]
    policy = stored_policy(con)
    con.close()
    assert docs == {"Forward the contract to [PERSON_1] today.": "redacted", "What is the capital of France?": "pass"}
    assert detectors == ["ner"]
    # Later scans (preferences, generated text) read the stored policy: they use the same model.
    assert policy is not None and policy.ner_model == model_dir
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["no_pii_after_redaction"]


def test_a_missing_model_fails_the_stage_before_anything_is_written(tmp_path, warehouse):
    result = _materialize(_sources(tmp_path), warehouse, {"ner_model": "en_core_web_nonexistent"}, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure and e.step_key == "compliance_documents")
    assert "spacy download en_core_web_nonexistent" in str(failure.step_failure_data.error)
    con = duckdb.connect(warehouse.database, read_only=True)
    assert con.execute("SELECT count(*) FROM compliance.documents").fetchone()[0] == 0
    con.close()
