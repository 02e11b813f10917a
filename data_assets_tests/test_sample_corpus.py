"""The bundled sample corpus: every source reads, every row is accounted for, and what its README
says is planted (PII, duplicates, eval leaks, malformed rows) is really there."""

from __future__ import annotations

import csv
import json
import re
import string
from datetime import datetime
from difflib import SequenceMatcher
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow.parquet as pq
import pytest

from data_assets import settings
from data_assets.ingest.assets import raw_documents, raw_preferences
from data_assets.ingest.load import IngestResult, ingest_sources
from data_assets.ingest.sources import ROLES, Source, load_sources
from data_assets.warehouse import WarehouseResource

SAMPLE_DIR = settings.SAMPLE_DIR
PLANTED = json.loads((SAMPLE_DIR / "planted.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sources() -> list[Source]:
    return load_sources(settings.SAMPLE_SOURCES)


@pytest.fixture(scope="module")
def instructions(sources: list[Source]) -> IngestResult:
    return ingest_sources([s for s in sources if not s.is_preference and not s.conversation])


@pytest.fixture(scope="module")
def preferences(sources: list[Source]) -> IngestResult:
    return ingest_sources([s for s in sources if s.is_preference])


@pytest.fixture(scope="module")
def conversations(sources: list[Source]) -> IngestResult:
    return ingest_sources([s for s in sources if s.conversation])


def _rows_in_file(path: Path) -> int:
    """Count a file's rows without the ingest readers: non-blank lines, list items, CSV records."""
    if path.suffix == ".jsonl":
        return sum(1 for line in path.read_bytes().split(b"\n") if line.strip())
    if path.suffix == ".json":
        document = json.loads(path.read_text(encoding="utf-8"))
        return len(document if isinstance(document, list) else document["items"])
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            return sum(1 for _ in csv.reader(handle)) - 1
    if path.suffix == ".parquet":
        return pq.read_metadata(path).num_rows
    raise AssertionError(f"unexpected file in the sample: {path}")


def _normalized(text: str) -> str:
    """Case, whitespace and punctuation folded away: what an exact-duplicate check compares."""
    return " ".join(text.lower().translate(str.maketrans("", "", string.punctuation)).split())


def _document_at(documents: pd.DataFrame, uri: str, row: int) -> pd.Series:
    match = documents[(documents["source_uri"] == uri) & (documents["source_row"] == row)]
    assert len(match) == 1, f"no single document at {uri}:{row}"
    return match.iloc[0]


def test_every_source_matches_files_and_every_role_is_present(sources):
    assert {s.role for s in sources} == set(ROLES)
    assert {s.origin for s in sources if s.role == "train"} == {"human", "synthetic"}
    for source in sources:
        assert source.files(), source.name
    howto = next(s for s in sources if s.name == "howto")
    assert [p.name for p in howto.files()] == ["batch_01.json", "batch_02.json"]
    formats = {source.format_of(path) for source in sources for path in source.files()}
    assert formats == {"json", "jsonl", "csv", "parquet"}
    assert len({tuple(s.fields.values()) for s in sources if s.role == "train"}) >= 5, "train sources should name fields differently"


def test_corpus_is_a_few_hundred_rows(instructions, preferences):
    documents = instructions.documents
    total = len(documents) + len(instructions.rejects) + len(preferences.documents) + len(preferences.rejects)
    assert 300 <= total <= 450, total
    by_role = documents["role"].value_counts().to_dict()
    assert by_role["train"] >= 200 and 20 <= by_role["seed"] <= 30 and 25 <= by_role["eval"] <= 35, by_role
    assert 25 <= len(preferences.documents) <= 35
    assert preferences.rejects.empty
    assert documents.loc[documents["source"] == "synthetic_drafts", "origin"].eq("synthetic").all()
    assert documents.loc[documents["source"] == "scraped_forum", "license"].eq("proprietary-scrape").all()


def test_the_conversation_sources_hold_17_conversations_of_61_turns_and_6_malformed_rows(conversations):
    frame = conversations.documents
    assert (len(frame), int(frame["turns"].sum()), len(conversations.rejects), frame["feedback"].value_counts().to_dict()) == (
        17, 61, 6, {"": 10, "up": 5, "down": 2})


def test_every_row_of_every_file_lands_in_exactly_one_table(sources, instructions, preferences, conversations):
    for source in sources:
        result = conversations if source.conversation else preferences if source.is_preference else instructions
        for path in source.files():
            uri = source.relative_uri(path)
            placed = pd.concat([
                result.documents.loc[result.documents["source_uri"] == uri, "source_row"],
                result.rejects.loc[result.rejects["source_uri"] == uri, "source_row"],
            ]).tolist()
            expected = _rows_in_file(path)
            assert sorted(placed) == list(range(expected)), f"{uri}: rows placed {sorted(placed)} of {expected}"


def test_malformed_rows_are_rejected_with_their_reason_and_good_rows_kept(instructions):
    rejects = instructions.rejects
    assert set(rejects["source"]) == {"messy_import"}, "only messy_import.jsonl holds bad rows"
    expected = {e["source_row"]: e["expected_error"] for e in PLANTED if "malformed" in e["plants"]}
    assert 6 <= len(expected) <= 8
    errors = dict(zip(rejects["source_row"], rejects["error"]))
    assert set(errors) == set(expected)
    for row, reason in expected.items():
        assert reason in errors[row], (row, errors[row])
    assert all(rejects["payload"].str.len() > 0)

    good = instructions.documents[instructions.documents["source"] == "messy_import"]
    assert len(good) == 10
    assert "42" in set(good["response"]), "a bare number is a legitimate answer"
    assert not good["response"].str.endswith("\r").any(), "a CRLF line ending is not part of the text"


def test_record_ids_are_unique_and_stable_across_ingests(sources, instructions, preferences, conversations):
    again = ingest_sources([s for s in sources if not s.is_preference and not s.conversation], now=datetime(2031, 1, 1))
    prefs_again = ingest_sources([s for s in sources if s.is_preference], now=datetime(2031, 1, 1))
    chats_again = ingest_sources([s for s in sources if s.conversation], now=datetime(2031, 1, 1))
    for first, second in ((instructions, again), (preferences, prefs_again), (conversations, chats_again)):
        ids = first.documents["record_id"]
        assert ids.is_unique
        assert ids.tolist() == second.documents["record_id"].tolist()
    # Verbatim repeats inside one file still get their own ids.
    support = instructions.documents[instructions.documents["source"] == "support_faq"]
    assert support.duplicated(["instruction", "input", "response"]).sum() == 3


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, d in enumerate(int(c) for c in reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _iban_ok(iban: str) -> bool:
    compact = iban.replace(" ", "")
    return int("".join(str(int(c, 36)) for c in compact[4:] + compact[:4])) % 97 == 1


PII_PATTERNS = {
    "email": r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b",
    "us_phone": r"(?:\+1[ -]?)?\(?\b\d{3}\)?[ -]\d{3}-\d{4}\b",
    "intl_phone": r"\+(?:44|49|33|353|61|81) ?\d[\d -]{6,14}\d",
    "ssn": r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b",
    "ipv4": r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b",
    "ipv6": r"\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,7}\b",
    "url": r"https?://[^\s)\"']+",
    "anthropic_key": r"sk-ant-api03-[\w-]{20,}",
    "aws_key_id": r"\bAKIA[0-9A-Z]{16}\b",
    "private_key": r"-----BEGIN (?:RSA )?PRIVATE KEY-----",
    "password": r"\bpassword\s*[=:]\s*\S+",
    "bearer_token": r"Authorization: Bearer eyJ[\w-]+\.[\w-]+\.[\w-]+",
    "person_intro": r"\b(?:[Mm]y name is|I'm|Customer:|Name:) [A-Z][a-z]+ [A-Z][a-z]+",
    "street_address": r"\b\d{1,5}[A-Z]? [A-Z][a-z]+(?: [A-Z][a-z]+)* (?:Street|St|Road|Avenue|Parkway|Terrace|rue)\b|\brue de [A-Z]",
}


def test_planted_pii_of_every_kind_appears_in_train(instructions):
    train = instructions.documents[instructions.documents["role"] == "train"]
    text = "\n".join(train["instruction"] + "\n" + train["input"] + "\n" + train["response"])
    for kind, pattern in PII_PATTERNS.items():
        assert re.search(pattern, text), f"no {kind} in the train sources"
    assert re.search(r"\+44 ", text) and re.search(r"\+49 ", text) and re.search(r"\+33 ", text)
    assert "221B Baker Street, London" in text and "1600 Amphitheatre Parkway, Mountain View, CA 94043" in text

    card_like = {re.sub(r"\D", "", m) for m in re.findall(r"\b\d{4}[ -]?\d{4,6}[ -]?\d{4,5}(?:[ -]?\d{4})?\b", text)}
    cards = {c for c in card_like if 13 <= len(c) <= 19 and _luhn_ok(c)}
    assert {"4111111111111111", "5555555555554444", "378282246310005"} <= cards
    assert "1234567812345678" in card_like and not _luhn_ok("1234567812345678"), "the order-number trap fails Luhn"

    ibans = re.findall(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b", text)
    assert len({i[:2] for i in ibans if _iban_ok(i)}) >= 3, ibans

    # Rows tagged with PII in planted.json really carry it, and there are about 40 of them.
    pii_kinds = {"person", "email", "address", "phone_intl", "phone_us", "credit_card", "iban", "ipv4", "ipv6",
                 "url", "ssn", "api_key", "aws_key", "password", "bearer_token", "private_key"}
    tagged = [e for e in PLANTED if pii_kinds & set(e["plants"])]
    assert 35 <= len(tagged) <= 45
    blocked = [e for e in PLANTED if "blocked" in e["plants"]]
    assert len(blocked) >= 3
    for entry in blocked:
        row = _document_at(instructions.documents, entry["source_uri"], entry["source_row"])
        assert re.search(r"bomb|methamphetamine|ghost gun", row["instruction"])


def test_csv_quoted_field_with_newlines_and_commas_is_read_intact(instructions):
    community = instructions.documents[instructions.documents["source"] == "community_qa"]
    address = community[community["instruction"].str.startswith("Format this address block")]
    assert len(address) == 1
    instruction = address.iloc[0]["instruction"]
    assert instruction == (
        "Format this address block as a single line, separated by commas:\n"
        "Acme Widgets, Inc.\n"
        "Attn: \"Accounts Payable\"\n"
        "500 Market St, Suite 12\n"
        "San Francisco, CA 94105"
    )
    assert address.iloc[0]["response"].startswith("Acme Widgets, Inc., Attn: \"Accounts Payable\", 500 Market St")
    assert address.iloc[0]["input"] == ""


def _shares_span(a: str, b: str, words: int = 13) -> bool:
    def grams(text: str) -> set[tuple[str, ...]]:
        tokens = _normalized(text).split()
        return {tuple(tokens[i:i + words]) for i in range(len(tokens) - words + 1)}
    return bool(grams(a) & grams(b))


def _similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, _normalized(a).split(), _normalized(b).split(), autojunk=False).ratio()


def test_planted_duplicates_and_eval_leaks_are_what_the_manifest_says(instructions):
    documents = instructions.documents
    counts = {kind: 0 for kind in ("exact_dup", "near_dup", "conflicting_response")}
    leaks = 0
    for entry in PLANTED:
        if "copy_of" not in entry:
            continue
        copy = _document_at(documents, entry["source_uri"], entry["source_row"])
        original = _document_at(documents, entry["copy_of"]["source_uri"], entry["copy_of"]["source_row"])
        assert copy["record_id"] != original["record_id"]
        whole_copy = " ".join([copy["instruction"], copy["input"], copy["response"]])
        whole_original = " ".join([original["instruction"], original["input"], original["response"]])
        if "exact_dup" in entry["plants"]:
            counts["exact_dup"] += 1
            assert _normalized(whole_copy) == _normalized(whole_original), entry
        elif "near_dup" in entry["plants"]:
            counts["near_dup"] += 1
            assert _normalized(whole_copy) != _normalized(whole_original), entry
            assert _similarity(whole_copy, whole_original) > 0.8, entry
        elif "conflicting_response" in entry["plants"]:
            counts["conflicting_response"] += 1
            assert copy["instruction"] == original["instruction"]
            assert _normalized(copy["response"]) != _normalized(original["response"])
        else:
            assert copy["role"] == "eval" and original["role"] == "train", entry
            leaks += 1
            if "eval_leak_exact" in entry["plants"]:
                assert _normalized(whole_copy) == _normalized(whole_original)
            elif "eval_leak_near" in entry["plants"]:
                assert _similarity(whole_copy, whole_original) > 0.8
            else:
                assert _shares_span(whole_copy, whole_original)
    assert counts == {"exact_dup": 15, "near_dup": 20, "conflicting_response": 5}
    assert leaks == 5
    # An exact duplicate planted in messy_import is ingested like any good row.
    assert any(e["source"] == "messy_import" and "exact_dup" in e["plants"] for e in PLANTED)


def test_preference_pairs_differ_and_are_complete(preferences):
    pairs = preferences.documents
    assert (pairs["chosen"] != pairs["rejected"]).all()
    assert pairs[["prompt", "chosen", "rejected"]].apply(lambda c: c.str.strip().str.len() > 0).all().all()
    assert set(pairs["role"]) == {"preference"}


def test_materializing_raw_assets_twice_gives_the_same_rows(warehouse: WarehouseResource):
    snapshots = []
    for _ in range(2):
        result = dg.materialize([raw_documents, raw_preferences], resources={"warehouse": WarehouseResource()})
        assert result.success
        with warehouse.connect(read_only=True) as con:
            snapshots.append({
                table: con.execute(f"SELECT record_id, source, source_uri, source_row FROM {table} ORDER BY record_id").df()
                for table in ("raw.documents", "raw.preferences")
            } | {"raw.rejects": con.execute("SELECT source, source_uri, source_row, error FROM raw.rejects "
                                            "ORDER BY source_uri, source_row").df()})
    first, second = snapshots
    for table in first:
        pd.testing.assert_frame_equal(first[table], second[table])
        assert not first[table].duplicated().any(), table
    assert first["raw.documents"]["record_id"].is_unique
    assert len(first["raw.documents"]) == 311 and len(first["raw.preferences"]) == 30 and len(first["raw.rejects"]) == 7
