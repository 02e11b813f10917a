"""Sources and input as users really hand them over: mapping typos, Excel and Windows encodings,
other delimiters, broken YAML, re-serialized files. Each fixture is written here, in a temp dir."""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from data_assets.ingest.assets import raw_documents
from data_assets.ingest.load import explain, ingest_sources
from data_assets.ingest.readers import sniff_delimiter
from data_assets.ingest.sources import SourceConfigError, load_sources
from data_assets.warehouse import WarehouseResource

ROWS = [
    {"question": "Add 2 and 3.", "context": "", "answer": "5"},
    {"question": "Translate 'chat' to English.", "context": "French", "answer": "cat"},
    {"question": "Name a primary colour; any one.", "context": "", "answer": "Blue, or red"},
    {"question": "Add 2 and 3.", "context": "", "answer": "5"},  # a verbatim repeat: its own record
    {"question": "Résumé in one word?", "context": "naïve café", "answer": "Kurz — 简短"},
]
MAPPING = {"instruction": "question", "input": "context", "response": "answer"}


def write_sources(folder: Path, sources: list[dict]) -> Path:
    path = folder / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True), encoding="utf-8")
    return path


def source(name: str, path: str, fields: dict | None = None, **extra) -> dict:
    return {"name": name, "path": path, "role": "train", "origin": "human", "license": "CC0-1.0",
            "fields": MAPPING if fields is None else fields, **extra}


def ingest(folder: Path, *entries: dict):
    return ingest_sources(load_sources(write_sources(folder, list(entries))))


def jsonl(rows: list[dict], **dumps) -> str:
    return "".join(json.dumps(r, **{"ensure_ascii": False, **dumps}) + "\n" for r in rows)


def csv_text(rows: list[dict], delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def texts(result) -> list[tuple[str, str, str]]:
    return list(zip(result.documents["instruction"], result.documents["input"], result.documents["response"]))


EXPECTED = [(r["question"], r["context"], r["answer"]) for r in ROWS]


# --- mapped columns are checked against each file's columns --------------------------------------

def test_typos_in_a_required_and_an_optional_column_are_both_reported_with_the_files_columns(tmp_path: Path):
    (tmp_path / "faq.jsonl").write_text(jsonl(ROWS), encoding="utf-8")
    (tmp_path / "faq.csv").write_text(csv_text(ROWS), encoding="utf-8")
    with pytest.raises(SourceConfigError) as raised:
        ingest(tmp_path,
               source("faq_json", "faq.jsonl", {**MAPPING, "response": "answers"}),
               source("faq_csv", "faq.csv", {**MAPPING, "input": "contxt"}))
    problems = raised.value.problems
    assert len(problems) == 2, problems
    json_problem, csv_problem = problems
    assert "source 'faq_json'" in json_problem and "'answers' (fields.response)" in json_problem and "faq.jsonl" in json_problem
    assert "'question', 'context', 'answer'" in json_problem and "did you mean 'answer'" in json_problem
    assert "source 'faq_csv'" in csv_problem and "'contxt' (fields.input)" in csv_problem
    assert "'question', 'context', 'answer'" in csv_problem


def test_a_required_field_left_out_needs_its_same_named_column_and_an_optional_one_does_not(tmp_path: Path):
    (tmp_path / "qa.csv").write_text("instruction,output\nSay hi,hi\n", encoding="utf-8")
    with pytest.raises(SourceConfigError, match=r"field 'response' is not mapped, so it is read from a column 'response', which qa.csv does not have"):
        ingest(tmp_path, source("qa", "qa.csv", {}))
    result = ingest(tmp_path, source("qa", "qa.csv", {"response": "output"}))
    assert texts(result) == [("Say hi", "", "hi")]  # `input` left out, no such column: ""


def test_a_dotted_path_absent_from_every_row_is_reported(tmp_path: Path):
    rows = [{"task": {"instruction": "Q", "context": "C"}, "draft": {"text": "A"}}]
    (tmp_path / "nested.jsonl").write_text(jsonl(rows), encoding="utf-8")
    fields = {"instruction": "task.instruction", "input": "task.contxt", "response": "draft.text"}
    with pytest.raises(SourceConfigError, match=r"column 'task.contxt' \(fields.input\) is not in nested.jsonl; its columns are 'task', 'draft'"):
        ingest(tmp_path, source("nested", "nested.jsonl", fields))


def test_a_bad_mapping_fails_raw_documents_with_one_message_and_writes_nothing(tmp_path: Path, warehouse: WarehouseResource):
    (tmp_path / "faq.jsonl").write_text(jsonl(ROWS), encoding="utf-8")
    sources_yaml = write_sources(tmp_path, [source("faq", "faq.jsonl", {**MAPPING, "response": "answers", "input": "contxt"})])
    result = dg.materialize([raw_documents], resources={"warehouse": warehouse}, raise_on_error=False,
                            run_config={"ops": {"raw_documents": {"config": {"sources_path": str(sources_yaml)}}}})
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE").step_failure_data
    description = failure.user_failure_data.description
    assert description.startswith("2 problems:") and "'answers' (fields.response)" in description and "'contxt' (fields.input)" in description
    assert "Traceback" not in description
    with warehouse.connect() as con:
        assert con.execute("SELECT count(*) FROM raw.documents").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM raw.rejects").fetchone()[0] == 0


def test_unknown_keys_and_bad_options_in_the_yaml_are_all_reported_at_once(tmp_path: Path):
    with pytest.raises(SourceConfigError) as raised:
        write = write_sources(tmp_path, [
            source("a", "a.jsonl", feilds={"response": "answer"}),
            source("b", "b.csv", encoding="utf-9"),
            source("c", "c.csv", delimiter=";;"),
        ])
        load_sources(write)
    message = str(raised.value)
    assert "unknown key 'feilds' (did you mean 'fields'?)" in message
    assert "unknown encoding 'utf-9'" in message and "delimiter ';;'" in message


# --- encodings and dialects ---------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
def test_a_utf8_byte_order_mark_is_stripped_in_every_text_format(tmp_path: Path, fmt: str):
    body = {"csv": csv_text(ROWS), "jsonl": jsonl(ROWS), "json": json.dumps(ROWS, ensure_ascii=False)}[fmt]
    (tmp_path / f"excel.{fmt}").write_bytes(codecs.BOM_UTF8 + body.encode("utf-8"))  # Excel's "CSV UTF-8"
    result = ingest(tmp_path, source("excel", f"excel.{fmt}"))
    assert texts(result) == EXPECTED and result.rejects.empty


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le"])
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_utf16_and_utf32_files_are_detected_by_their_byte_order_mark(tmp_path: Path, codec: str, fmt: str):
    body = csv_text(ROWS) if fmt == "csv" else jsonl(ROWS)
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE, "utf-32-le": codecs.BOM_UTF32_LE}[codec]
    (tmp_path / f"windows.{fmt}").write_bytes(bom + body.encode(codec))
    result = ingest(tmp_path, source("windows", f"windows.{fmt}"))
    assert texts(result) == EXPECTED and result.rejects.empty


def test_a_byte_order_mark_that_contradicts_the_encoding_option_is_the_reason(tmp_path: Path):
    (tmp_path / "u16.jsonl").write_bytes(codecs.BOM_UTF16_LE + jsonl(ROWS).encode("utf-16-le"))
    result = ingest(tmp_path, source("u16", "u16.jsonl", encoding="utf-8"))
    assert result.documents.empty and len(result.rejects) == 1
    assert result.rejects.iloc[0]["error"].startswith("file is UTF-16-LE (it starts with a UTF-16-LE byte-order mark) but the source's encoding is utf-8")


def test_utf16_without_a_byte_order_mark_is_named_instead_of_malformed_json(tmp_path: Path):
    (tmp_path / "bare.jsonl").write_bytes(jsonl(ROWS).encode("utf-16-le"))
    result = ingest(tmp_path, source("bare", "bare.jsonl"))
    assert list(result.rejects["error"]) == ["file looks like UTF-16-LE without a byte-order mark (NUL bytes between the "
                                             "characters), not UTF-8; set the source's `encoding` to utf-16-le"]
    fixed = ingest(tmp_path, source("bare", "bare.jsonl", encoding="utf-16-le"))
    assert texts(fixed) == EXPECTED


def test_a_cp1252_file_reads_with_its_encoding_and_says_what_to_set_without(tmp_path: Path):
    (tmp_path / "legacy.csv").write_bytes(csv_text(ROWS[:3] + [{"question": "Price?", "context": "", "answer": "5 €"}]).encode("cp1252"))
    without = ingest(tmp_path, source("legacy", "legacy.csv"))
    assert len(without.documents) == 3
    assert without.rejects.iloc[0]["error"] == ("invalid UTF-8 at byte 10 of the row (byte 0x80); if the file is not UTF-8, "
                                                "set the source's `encoding` (for example cp1252 or latin-1)")
    assert "\ufffd" in without.rejects.iloc[0]["payload"]
    declared = ingest(tmp_path, source("legacy", "legacy.csv", encoding="cp1252"))
    assert declared.rejects.empty and declared.documents.iloc[-1]["response"] == "5 €"


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_the_delimiter_is_sniffed_when_absent(tmp_path: Path, delimiter: str):
    (tmp_path / "european.csv").write_text(csv_text(ROWS, delimiter), encoding="utf-8")
    result = ingest(tmp_path, source("european", "european.csv"))
    assert texts(result) == EXPECTED and result.rejects.empty


def test_a_wrong_delimiter_option_says_which_delimiter_the_header_uses(tmp_path: Path):
    (tmp_path / "semicolons.csv").write_text(csv_text(ROWS, ";"), encoding="utf-8")
    with pytest.raises(SourceConfigError, match=r"delimiter ';' splits it: set `delimiter: ';'`"):
        ingest(tmp_path, source("semicolons", "semicolons.csv", delimiter=","))
    assert texts(ingest(tmp_path, source("semicolons", "semicolons.csv", delimiter=";"))) == EXPECTED


def test_sniffing_keeps_a_comma_csv_whose_text_is_full_of_semicolons():
    sample = 'instruction,response\n"List fruit; be brief","apple; pear; plum"\nsay hi,hi; there; you\n'
    assert sniff_delimiter(sample) == ","
    assert sniff_delimiter("text\nhello\n") == ","
    assert sniff_delimiter("a;b\n") == ";"


def test_column_counts_that_disagree_name_the_delimiter(tmp_path: Path):
    (tmp_path / "ragged.csv").write_text("question,answer\nQ,A\nQ2,A2,extra\n", encoding="utf-8")
    result = ingest(tmp_path, source("ragged", "ragged.csv", {"instruction": "question", "response": "answer"}))
    assert list(result.rejects["error"]) == ["expected 2 columns, got 3 (delimiter ',')"]


# --- invalid YAML ------------------------------------------------------------------------------

def test_invalid_yaml_names_the_file_the_variable_and_the_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               warehouse: WarehouseResource):
    broken = tmp_path / "sources.yaml"
    broken.write_text("sources:\n  - name: faq\n    path: faq.jsonl\n    fields: {response: answer\n    role: train\n")
    monkeypatch.setenv("DATA_ASSETS_SOURCES", str(broken))
    result = dg.materialize([raw_documents], resources={"warehouse": warehouse}, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE").step_failure_data
    description = failure.user_failure_data.description
    assert description.startswith(f"sources file {broken} (from DATA_ASSETS_SOURCES) is not valid YAML: line 5, column 9:")
    assert "<unicode string>" not in description


# --- record ids --------------------------------------------------------------------------------

def test_re_serializing_a_jsonl_file_keeps_every_id(tmp_path: Path):
    (tmp_path / "faq.jsonl").write_text(jsonl(ROWS), encoding="utf-8")
    before = ingest(tmp_path, source("faq", "faq.jsonl"))
    reordered = [dict(reversed(list(r.items()))) for r in ROWS]
    (tmp_path / "faq.jsonl").write_text(jsonl(reordered, indent=None, separators=(", ", " : "), ensure_ascii=True).replace("\n", "\r\n"))
    after = ingest(tmp_path, source("faq", "faq.jsonl"))
    assert after.documents["record_id"].tolist() == before.documents["record_id"].tolist()
    assert before.documents["record_id"].is_unique  # the verbatim repeat keeps its own id


def test_the_same_records_in_every_format_get_the_same_ids(tmp_path: Path):
    (tmp_path / "faq.jsonl").write_text(jsonl(ROWS), encoding="utf-8")
    (tmp_path / "faq.json").write_text(json.dumps({"data": ROWS}, indent=2), encoding="utf-8")
    (tmp_path / "faq.csv").write_text(csv_text(ROWS), encoding="utf-8")
    pq.write_table(pa.Table.from_pylist(ROWS), tmp_path / "faq.parquet")
    ids = {fmt: ingest(tmp_path, source("faq", f"faq.{fmt}")).documents["record_id"].tolist()
           for fmt in ("jsonl", "json", "csv", "parquet")}
    assert len(set(map(tuple, ids.values()))) == 1, ids
    assert len(set(ids["jsonl"])) == len(ROWS)


def test_a_repeat_in_another_file_of_the_source_gets_its_own_id(tmp_path: Path):
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "a.jsonl").write_text(jsonl(ROWS[:1]), encoding="utf-8")
    (tmp_path / "parts" / "b.jsonl").write_text(jsonl(ROWS[:1]), encoding="utf-8")
    result = ingest(tmp_path, source("parts", "parts/*.jsonl"))
    assert len(result.documents) == 2 and result.documents["record_id"].is_unique


# --- empty and all-rejected inputs -------------------------------------------------------------

def test_an_all_rejected_source_is_explained_by_its_reasons(tmp_path: Path):
    (tmp_path / "broken.jsonl").write_text('{"question": "a"\nnot json\n[1, 2]\n', encoding="utf-8")
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    entries = [source("broken", "broken.jsonl"), source("empty", "empty.jsonl")]
    result = ingest(tmp_path, *entries)
    summary = explain(result, load_sources(write_sources(tmp_path, entries)))
    assert summary.startswith("0 records from 2 files of 2 sources; 3 rows rejected.")
    assert "Source 'broken': all 3 rows rejected: malformed JSON (2), expected a JSON object (1)" in summary
    assert "Source 'empty': its files hold no rows." in summary
    assert "every later stage runs on an empty input" in summary


def test_the_command_line_prints_a_bad_source_as_one_message_without_a_stack_trace(tmp_path: Path):
    import subprocess
    import sys

    (tmp_path / "faq.jsonl").write_text(jsonl(ROWS), encoding="utf-8")
    sources_yaml = write_sources(tmp_path, [source("faq", "faq.jsonl", {**MAPPING, "response": "answers"})])
    env = {**os.environ, "DATA_ASSETS_SOURCES": str(sources_yaml)}
    run = subprocess.run([sys.executable, "-m", "data_assets", "run", "--select", "raw_documents"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 1
    # Dagster's own event log above it keeps the stack; the run's verdict is the message alone.
    verdict = run.stderr[run.stderr.index("FAILED after"):]
    assert "raw_documents: source 'faq': column 'answers' (fields.response) is not in faq.jsonl" in verdict
    assert "Stack Trace" not in verdict and "Traceback" not in verdict
