"""Disguised PII: zero-width characters, no-break spaces and full-width forms inside structured
values, and control characters. Detected and removed on their own, and end to end through the
whole graph (with the real SDK against the fake server) to sft.jsonl, dpo.jsonl, the prefs
tables and every model request."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from data_assets.compliance import scan_and_redact
from data_assets.definitions import all_assets, all_checks, build_resources
from data_assets_tests.fake_anthropic import default_reply, request_text, serving_claude

ZWSP, NBSP = "\u200b", "\u00a0"


def full_width(text: str) -> str:
    """ASCII letters, digits and punctuation as their full-width forms (U+FF01..U+FF5E)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# One planted value of every structured type, written for this test (valid checksums: Luhn for the
# card, mod-97 for the IBAN, a valid SSN area; a public IP address).
VALUES = {
    "EMAIL": "maria.lopez@gmail.com",
    "PHONE": "+1 415 555 0142",
    "CREDIT_CARD": "4111 1111 1111 1111",
    "IBAN": "DE89 3704 0044 0532 0130 00",
    "US_SSN": "219-09-9999",
    "NATIONAL_ID": "11010519491231002X",   # a Chinese resident ID: birth date and MOD 11-2 check character
    "ACCOUNT_NUMBER": "0042-7781-2345",     # given as such: "My account number is ..."
    "DATE_OF_BIRTH": "14/02/1981",          # "My date of birth is ..."
    "USERNAME": "maria_lopez84",            # "My username is ..."
    "VEHICLE_ID": "1HGCM82633A004352",      # a VIN: "My vehicle id is ..."
    "IP_ADDRESS": "93.184.216.34",
    "SECRET": "sk-ant-api03-Zq8vT4mWc2LpR7xN5bJ9",
}


# The types that count only where the text names them: how the unit test names them.
NEEDS_ITS_NAME = {"ACCOUNT_NUMBER": "My account number is", "DATE_OF_BIRTH": "Date of birth:", "USERNAME": "My username is",
                  "VEHICLE_ID": "VIN:"}


def zero_width(value: str) -> str:
    # Inside the value, between characters that matter: after the first third and before the last.
    third = max(1, len(value) // 3)
    return value[:third] + ZWSP + value[third:-3] + ZWSP + value[-3:]


def no_break(value: str) -> str:
    """Spaces as no-break spaces; a value without spaces gets the zero-width no-break character
    (U+2060, word joiner) inside it instead."""
    if " " in value:
        return value.replace(" ", NBSP)
    third = max(1, len(value) // 3)
    return value[:third] + "\u2060" + value[third:]


def number_dashes(value: str) -> str:
    """Hyphens and spaces between two digits as the dashes word processors write (no-break
    hyphens, en dashes); a value without such a separator (an e-mail, a key) stays as it is."""
    out = []
    for i, c in enumerate(value):
        between_digits = 0 < i < len(value) - 1 and value[i - 1].isdigit() and value[i + 1].isdigit()
        out.append("\u2011" if c == "-" and between_digits else "\u2013" if c == " " and between_digits else c)
    return "".join(out)


def struck_through(value: str) -> str:
    """A combining long stroke overlay after every character: still readable, no longer ASCII."""
    return "".join(c + "\u0336" for c in value)


DISGUISES = {"zero_width": zero_width, "no_break_space": no_break, "full_width": full_width,
             "number_dashes": number_dashes, "struck_through": struck_through}


def plain_forms(value: str) -> set[str]:
    """What must never appear in output: the value, and its digits or letters without separators."""
    compact = re.sub(r"[\s\-.]", "", value)
    return {value, compact} | ({re.sub(r"\D", "", value)} if sum(c.isdigit() for c in value) >= 9 else set())


def readable(text: str) -> str:
    """Output text as a reader sees it: disguises removed, so a value still there shows up."""
    text = unicodedata.normalize("NFKC", text).replace("\u2011", "-").replace("\u2013", "-")
    return "".join(" " if unicodedata.category(c) == "Zs" else c for c in text
                   if unicodedata.category(c) != "Cf" and not unicodedata.combining(c))


def leaked(text: str) -> list[str]:
    seen = readable(text)
    compact = re.sub(r"[\s\-.]", "", seen)
    return [v for value in VALUES.values() for v in plain_forms(value) if v in seen or v in compact]


@pytest.mark.parametrize("disguise", DISGUISES)
@pytest.mark.parametrize("entity_type", VALUES)
def test_disguised_value_is_detected_and_removed_whole(entity_type, disguise):
    value = DISGUISES[disguise](VALUES[entity_type])
    opening = NEEDS_ITS_NAME.get(entity_type, "Here it is:")
    text = f"{opening} {value} - please keep it safe."
    outcome = scan_and_redact({"t": text})
    assert outcome.status == "redacted", outcome.reasons
    assert f"[{entity_type}_1]" in outcome.fields["t"]
    # The whole original span went, hidden characters included: nothing of it is left.
    assert outcome.fields["t"] == f"{opening} [{entity_type}_1] - please keep it safe."


@pytest.mark.parametrize("text, value", [
    ("reach me: maria [at] example [dot] com today", "maria [at] example [dot] com"),
    ("mail j.lopez(at)posteo.de", "j.lopez(at)posteo.de"),
    ("write to maria dot lopez at gmail dot com please", "maria dot lopez at gmail dot com"),
    ("contact: ondrej {at} firma [dot] cz", "ondrej {at} firma [dot] cz"),
])
def test_an_email_address_with_at_and_dot_written_out_is_one(text, value):
    outcome = scan_and_redact({"t": text})
    assert outcome.fields["t"] == text.replace(value, "[EMAIL_1]"), outcome.findings


@pytest.mark.parametrize("text", [
    "Look at the dot com bubble of 2000.",
    "Find us at example dot com for more.",
    "She works at Google dot com now.",
    "The company went public at the height of the dot-com boom.",
    "Meet at the park (at 5pm), then dot the i's.",
])
def test_at_and_dot_in_prose_are_no_email_address(text):
    assert "EMAIL" not in {f.entity_type for f in scan_and_redact({"t": text}).findings["t"]}


@pytest.mark.parametrize("text, value", [
    # Numbers spaced out digit by digit, or with spaces around their separators, after their cue.
    ("Call me at 4 1 5 5 5 5 0 1 4 2 tonight.", "4 1 5 5 5 5 0 1 4 2"),
    ("Tel. 0 1 6 1 4 9 6 0 0 0 0", "0 1 6 1 4 9 6 0 0 0 0"),
    ("Text me: + 4 4 7 9 1 1 1 2 3 4 5 6", "+ 4 4 7 9 1 1 1 2 3 4 5 6"),
    ("reach me: 415 . 555 . 0142 after six", "415 . 555 . 0142"),
    ("Call 1 8 0 0 5 5 5 1 2 1 2 for support.", "1 8 0 0 5 5 5 1 2 1 2"),
    ("SSN: 2 1 9 - 0 9 - 9 9 9 9", "2 1 9 - 0 9 - 9 9 9 9"),
    ("my social security number is 219 - 09 - 9999.", "219 - 09 - 9999"),
    ("card number: 4111 - 1111 - 1111 - 1111", "4111 - 1111 - 1111 - 1111"),
    # E-mail addresses spaced out letter by letter, or around the "@" and dots.
    ("e-mail: j o h n @ e x a m p l e . c o m", "j o h n @ e x a m p l e . c o m"),
    ("Mail: j o h n.s m i t h @ g m a i l . c o m thanks", "j o h n.s m i t h @ g m a i l . c o m"),
    ("write to maria.lopez @ gmail . com today", "maria.lopez @ gmail . com"),
    ("Email me at j.o.h.n @ example.co.uk", "j.o.h.n @ example.co.uk"),
])
def test_a_value_spaced_out_is_detected_and_removed_whole(text, value):
    outcome = scan_and_redact({"t": text})
    assert [(f.start, f.end) for f in outcome.findings["t"] if f.entity_type != "GIVEN_NAME"] == [
        (text.index(value), text.index(value) + len(value))], outcome.findings
    assert value not in outcome.fields["t"] and outcome.status == "redacted"


@pytest.mark.parametrize("text", [
    # Digits spaced out in puzzles, code, sequences and scores, some after a word that can cue a phone.
    "Call the function with arguments 1 2 3 4 5 6 7 8 9 and print the result.",
    "Call sort() on the list 5 3 8 1 9 2 7 4 6 and show each step.",
    "Text the numbers 2 7 1 8 2 8 1 8 2 8 back to me in order.",
    "The mobile game uses the sequence 3 1 4 1 5 9 2 6 5 3 5 8 9 7 9.",
    "Call of Duty scores: 10 - 20 - 30 - 40",
    "Call the recursion with 2 - 4 - 6 - 8 - 10 - 12.",
    "My SSN question: is 1 2 3 4 5 6 7 8 9 a valid sequence for sorting?",
    "Pay with the card numbers 4 8 15 16 23 42 from Lost.",
    "Write a binary string: 1 0 1 1 0 0 1 0 1 1",
    "Sudoku row: 5 3 4 6 7 8 9 1 2",
    "The number 8 6 7 5 3 0 9 is a song title.",
    # "@" and dots with spaces in prose and in code.
    "Meet @ the park. Then go home.",
    "I love Python @ work. It is fun.",
    "Tweet @ elonmusk . He replied.",
    "The expression a @ b . T computes a product in numpy.",
    "I'm @ home . Com is short for company.",
])
def test_spaced_digits_and_at_signs_in_prose_are_no_pii(text):
    assert scan_and_redact({"t": text}).fields["t"] == text


def test_control_characters_are_removed_and_recorded():
    outcome = scan_and_redact({"t": "line one\x00 and\x07 two\x1b[0m\nthree\ttabs stay"})
    assert outcome.fields["t"] == "line one and two[0m\nthree\ttabs stay"
    assert outcome.status == "redacted" and "remove:CONTROL_CHARACTER" in outcome.reasons
    assert [f.entity_type for f in outcome.findings["t"]] == ["CONTROL_CHARACTER"] * 3


def test_disguised_blocked_term_still_blocks():
    outcome = scan_and_redact({"t": f"INTERNAL{NBSP}USE{ZWSP} ONLY memo"})
    assert outcome.status == "dropped" and outcome.reasons == ["blocked_term:internal use only"]


# ---------------------------------------------------------------- end to end
BLOCKED = "zebracorn protocol"
TOPICS = ["sourdough bread", "a bicycle chain", "tomato seedlings", "a leaking tap", "a cover letter", "compound interest",
          "the water cycle", "a python list", "a chess opening", "knitting a scarf", "a budget spreadsheet", "photosynthesis"]


def _planted_texts() -> list[str]:
    return [f"My {t.lower().replace('_', ' ')} is {d(VALUES[t])}." for t in VALUES for d in DISGUISES.values()]


def _write_sources(folder: Path) -> Path:
    planted = _planted_texts()
    train = [{"instruction": f"Explain {topic} in three short steps.", "output": f"First, look at {topic}. Then practise. "
              f"Finally, review what changed and why it matters."} for topic in TOPICS]
    train += [{"instruction": f"Update my account details. {text}", "output": f"Noted: {text} I will update it today."}
              for text in planted]
    prefs = [{"prompt": f"Please remember this. {text}", "chosen": f"I will not store it: {text}",
              "rejected": f"Stored {text} forever."} for text in planted]
    (folder / "train.jsonl").write_text("\n".join(json.dumps(r) for r in train) + "\n")
    (folder / "prefs.jsonl").write_text("\n".join(json.dumps(r) for r in prefs) + "\n")
    sources = [
        {"name": "train", "path": "train.jsonl", "role": "train", "origin": "human", "license": "CC-BY-4.0",
         "fields": {"response": "output"}},
        {"name": "prefs", "path": "prefs.jsonl", "role": "preference", "origin": "human", "license": "MIT"},
    ]
    path = folder / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": sources}))
    return path


def _model_reply(body: dict):
    """The fake Claude writes planted PII and the run's blocked term into every free-text field."""
    reply = default_reply(body)
    planted = f"{zero_width(VALUES['EMAIL'])}, call {no_break(VALUES['PHONE'])}, card {full_width(VALUES['CREDIT_CARD'])}"

    def fill(value):
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, str) and value.startswith("example"):
            return f"A careful answer. Write to {planted}. The {BLOCKED} applies."
        return value

    text = request_text(body)
    shown = re.search(r"<response_a>\n(.*?)\n</response_a>.*?<response_b>\n(.*?)\n</response_b>", text, re.S)
    if shown:
        # A judge that prefers the longer response, in both orders: pairs get a consistent winner.
        first, second = len(shown.group(1)), len(shown.group(2))
        winner = "A" if first > second else "B" if second > first else "tie"
        return fill(reply) | {"winner": winner}
    return fill(reply)


def test_disguised_pii_never_reaches_exports_prefs_tables_or_model_requests(tmp_path, monkeypatch):
    sources = _write_sources(tmp_path)
    monkeypatch.setenv("DATA_ASSETS_SOURCES", str(sources))
    with serving_claude(monkeypatch, "sk-ant-test-key", latency_s=0.0) as server:
        server.reply = _model_reply
        result = dg.materialize(
            all_assets + all_checks, resources=build_resources(),
            run_config={"ops": {
                "compliance_documents": {"config": {"blocked_terms": [BLOCKED]}},
                "preference_pairs": {"config": {"sample_size": 6, "human_sample_size": 50}},
                "dpo_export": {"config": {"include_human_pairs": True}},
            }},
        )
        requests = [request_text(body) + json.dumps(body.get("system", "")) for body in server.message_requests()]
    assert result.success
    assert requests, "the graph sent no model request: the test would prove nothing"
    checks = {(e.asset_key.path[-1], e.check_name): e.passed for e in result.get_asset_check_evaluations()}
    assert checks[("compliance_documents", "no_pii_after_redaction")] and checks[("compliance_preferences", "no_pii_after_redaction")]

    exports = tmp_path / "exports"
    sft = (exports / "sft.jsonl").read_text(encoding="utf-8")
    dpo = (exports / "dpo.jsonl").read_text(encoding="utf-8")
    assert sft.strip() and dpo.strip()
    assert "[EMAIL_" in sft and "[CREDIT_CARD_" in sft        # the planted records are there, redacted
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    prefs_text = {
        table: "\n".join(str(v) for row in con.execute(f"SELECT * FROM {table}").fetchall() for v in row)
        for table in ("prefs.responses", "prefs.pairs", "prefs.judgments")
    }
    human_pairs = con.execute("SELECT count(*) FROM prefs.pairs WHERE source = 'human'").fetchone()[0]
    con.close()
    assert human_pairs > 0 and "[EMAIL_" in prefs_text["prefs.pairs"]
    for name, text in {"sft.jsonl": sft, "dpo.jsonl": dpo, **prefs_text}.items():
        assert leaked(text) == [], name
        assert BLOCKED not in text.lower(), name
    for body in requests:
        assert leaked(body) == []
