"""Raw ingest: every row of every file lands in exactly one of documents and rejects."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from data_assets.ingest.assets import raw_documents, raw_preferences
from data_assets.ingest.load import ingest_sources
from data_assets.ingest.readers import MAX_ROW_BYTES
from data_assets.ingest.records import lookup, split_shared_prefix
from data_assets.ingest.sources import SourceConfigError, load_sources
from data_assets.warehouse import WarehouseResource


def write_sources(folder: Path, sources: list[dict]) -> Path:
    path = folder / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": sources}))
    return path


def train_source(name: str, path: str, **extra) -> dict:
    return {"name": name, "path": path, "role": "train", "origin": "human", "license": "CC0-1.0", **extra}


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    """A JSONL file with one of each kind of bad row between good ones."""
    lines = [
        json.dumps({"instruction": "Add 2 and 3.", "output": "5"}).encode(),
        b'{"instruction": "broken", "output": ',                                   # malformed JSON
        json.dumps({"instruction": "No answer here"}).encode(),                     # missing response
        json.dumps({"instruction": ["a", "list"], "output": "x"}).encode(),         # wrong type
        b'{"instruction": "bad bytes \xff\xfe", "output": "y"}',                      # invalid UTF-8
        b"",                                                                         # blank line: not a row
        json.dumps({"instruction": "Name a colour.", "input": "", "output": "Blue"}).encode(),
        json.dumps([1, 2]).encode(),                                                 # not an object
        json.dumps({"instruction": "Count to three.", "output": 3}).encode(),        # a number is text enough
    ]
    path = tmp_path / "data" / "messy.jsonl"
    path.parent.mkdir()
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_bad_rows_are_rejected_with_reasons_and_good_rows_kept(tmp_path: Path, messy: Path):
    sources = load_sources(write_sources(tmp_path, [train_source("messy", "data/messy.jsonl", fields={"response": "output"})]))
    result = ingest_sources(sources)
    assert sorted(result.documents["instruction"]) == ["Add 2 and 3.", "Count to three.", "Name a colour."]
    assert result.documents.set_index("instruction").loc["Count to three.", "response"] == "3"
    errors = dict(zip(result.rejects["source_row"], result.rejects["error"]))
    assert errors[1].startswith("malformed JSON")
    assert errors[2] == "missing required field 'response' (column 'output')"
    assert "must be text, got list" in errors[3]
    assert errors[4].startswith("invalid UTF-8")
    assert errors[6].startswith("expected a JSON object")
    # Every non-blank line is in exactly one of the two tables.
    positions = sorted([*result.documents["source_row"], *result.rejects["source_row"]])
    assert positions == list(range(8))
    assert result.files.iloc[0]["rows_ok"] == 3 and result.files.iloc[0]["rows_rejected"] == 5


def test_csv_with_quoted_newlines_and_empty_file(tmp_path: Path):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "a.csv").write_text('prompt,completion\n"Write a haiku, please","Line one\nLine two, with comma\nLine three"\n"Say hi","hi"\n')
    (folder / "b.csv").write_text("")
    sources = load_sources(write_sources(tmp_path, [train_source("csv", "csv/*.csv", fields={"instruction": "prompt", "response": "completion"})]))
    result = ingest_sources(sources)
    assert list(result.documents["response"]) == ["Line one\nLine two, with comma\nLine three", "hi"]
    assert list(result.documents["source_row"]) == [0, 1]
    assert len(result.rejects) == 0 and len(result.files) == 2


def test_oversized_row_is_rejected_without_reading_it_whole(tmp_path: Path):
    path = tmp_path / "big.jsonl"
    huge = json.dumps({"instruction": "x" * (MAX_ROW_BYTES + 10), "output": "y"})
    path.write_text(huge + "\n" + json.dumps({"instruction": "ok", "output": "fine"}) + "\n")
    result = ingest_sources(load_sources(write_sources(tmp_path, [train_source("big", "big.jsonl", fields={"response": "output"})])))
    assert list(result.documents["instruction"]) == ["ok"]
    assert list(result.documents["source_row"]) == [1]
    assert "over the" in result.rejects.iloc[0]["error"] and len(result.rejects.iloc[0]["payload"]) <= 2000


def test_source_matching_no_file_names_source_and_path(tmp_path: Path):
    sources = load_sources(write_sources(tmp_path, [train_source("ghost", "nowhere/*.jsonl")]))
    with pytest.raises(SourceConfigError, match=r"source 'ghost': path 'nowhere/\*\.jsonl'"):
        ingest_sources(sources)


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"name": "a", "path": "x.jsonl", "role": "test", "origin": "human"}, "role 'test'"),
        ({"name": "a", "path": "x.jsonl", "role": "train", "origin": "robot"}, "origin 'robot'"),
        ({"name": "a", "path": "x.jsonl", "role": "train", "origin": "human", "fields": {"answer": "a"}}, "unknown field"),
        ({"name": "a", "role": "train", "origin": "human"}, "`path` is required"),
    ],
)
def test_bad_sources_yaml_gets_a_clear_error(tmp_path: Path, entry: dict, message: str):
    with pytest.raises(SourceConfigError, match=message):
        load_sources(write_sources(tmp_path, [entry]))


def test_dotted_paths_read_the_self_instruct_seed_file(tmp_path: Path, shared_data: Path):
    seeds = shared_data / "self_instruct" / "seed_tasks.jsonl"
    sources = load_sources(write_sources(tmp_path, [{
        "name": "seeds", "path": str(seeds), "role": "seed", "origin": "human", "license": "Apache-2.0",
        "fields": {"input": "instances.0.input", "response": "instances.0.output"},
    }]))
    result = ingest_sources(sources)
    assert len(result.documents) == 175 and len(result.rejects) == 0
    first = json.loads(seeds.read_text().splitlines()[0])
    assert result.documents.iloc[0]["response"] == first["instances"][0]["output"]
    assert lookup({"a": [{"b": 1}]}, "a.0.b") == 1 and lookup({"a": []}, "a.0.b") is None


def test_preference_dialogues_split_on_the_shared_prefix():
    chosen = "\n\nHuman: hi\n\nAssistant: hello\n\nHuman: help me\n\nAssistant: Sure, here is how."
    rejected = "\n\nHuman: hi\n\nAssistant: hello\n\nHuman: help me\n\nAssistant: No."
    prompt, good, bad = split_shared_prefix(chosen, rejected)
    assert prompt.endswith("help me\n\nAssistant:")
    assert prompt + good == chosen and prompt + bad == rejected


def materialize(sources_yaml: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [raw_documents, raw_preferences],
        resources={"warehouse": WarehouseResource()},
        run_config={"ops": {name: {"config": {"sources_path": str(sources_yaml)}} for name in ("raw_documents", "raw_preferences")}},
    )


def test_reruns_change_nothing_and_new_files_are_picked_up(tmp_path: Path, warehouse: WarehouseResource):
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "one.jsonl").write_text(json.dumps({"instruction": "A?", "output": "a"}) + "\n" + json.dumps({"instruction": "A?", "output": "a"}) + "\n")
    sources_yaml = write_sources(tmp_path, [train_source("parts", "parts/*.jsonl", fields={"response": "output"})])
    assert materialize(sources_yaml).success
    with warehouse.connect() as con:
        first = con.execute("SELECT record_id, ingested_at FROM raw.documents ORDER BY record_id").fetchall()
    assert len(first) == 2 and first[0][0] != first[1][0]  # identical rows are two records, two ids
    assert materialize(sources_yaml).success
    with warehouse.connect() as con:
        assert con.execute("SELECT record_id, ingested_at FROM raw.documents ORDER BY record_id").fetchall() == first
    (folder / "two.jsonl").write_text(json.dumps({"instruction": "B?", "output": "b"}) + "\n")
    result = materialize(sources_yaml)
    assert result.success
    with warehouse.connect() as con:
        rows = con.execute("SELECT record_id, source_uri FROM raw.documents ORDER BY source_uri, source_row").fetchall()
        files = con.execute("SELECT count(*) FROM raw.files").fetchone()[0]
    assert len(rows) == 3 and rows[-1][1] == "parts/two.jsonl" and files == 2
    assert {r[0] for r in rows} >= {r[0] for r in first}


def test_only_train_data_is_enough(tmp_path: Path, warehouse: WarehouseResource):
    (tmp_path / "t.jsonl").write_text(json.dumps({"instruction": "Q", "response": "R"}) + "\n")
    result = materialize(write_sources(tmp_path, [train_source("t", "t.jsonl")]))
    assert result.success
    with warehouse.connect() as con:
        assert con.execute("SELECT count(*) FROM raw.preferences").fetchone()[0] == 0
    checks = result.get_asset_check_evaluations() if hasattr(result, "get_asset_check_evaluations") else []
    assert all(c.passed for c in checks)


def test_a_second_process_waits_for_the_writer_lock(tmp_path: Path):
    """DuckDB admits one writer process: our connection waits for the lock instead of failing."""
    import subprocess
    import sys
    import time

    from data_assets.warehouse.resource import open_connection

    path = tmp_path / "locked.duckdb"
    duckdb.connect(str(path)).close()
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(path)!r}); print('held', flush=True); time.sleep(1.5)"],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    started = time.monotonic()
    con = open_connection(str(path), lock_timeout_s=30)
    waited = time.monotonic() - started
    con.execute("CREATE TABLE t AS SELECT 1 AS x")
    con.close()
    holder.wait()
    assert waited > 0.2  # it really was blocked, and got the file once the holder exited
