"""The policy: placeholders, actions, licenses, blocked terms, and redaction that touches
nothing but the detected spans."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data_assets.compliance import CompliancePolicy, detect, scan_and_redact
from data_assets.compliance.normalize import strip_control_characters
from data_assets.compliance.policy_store import policy_from_json, policy_json

PII_PIECES = [
    "anna.berg@example.com", "+41 (0)44 668 18 00", "4111 1111 1111 1111", "GB82 WEST 1234 5698 7654 32",
    "219-09-9999", "93.184.216.34", "Dr. Ottilie Brandvold", "17 Larchmont Avenue", "sk-ant-api03-AbCdEfGhIjKlMnOpQrSt",
]
PLACEHOLDER = re.compile(r"\[[A-Z_]+(?:_\d+)?\]")


def test_same_value_same_placeholder_across_fields():
    outcome = scan_and_redact({
        "instruction": "Write to Anna Berg at anna.berg@example.com.",
        "response": "Dear Anna Berg, I wrote to ANNA.BERG@example.com and to bob@example.org.",
    })
    assert outcome.status == "redacted"
    assert outcome.fields["instruction"] == "Write to [PERSON_1] at [EMAIL_1]."
    assert outcome.fields["response"] == "Dear [PERSON_1], I wrote to [EMAIL_1] and to [EMAIL_2]."
    assert outcome.redaction_detail == "EMAIL x3, PERSON x2"
    assert outcome.reasons == ["redact:EMAIL", "redact:PERSON"]


def test_unnumbered_placeholders():
    outcome = scan_and_redact({"t": "a@example.com b@example.com"}, CompliancePolicy(number_placeholders=False))
    assert outcome.fields["t"] == "[EMAIL] [EMAIL]"


def test_flag_only_types_keep_the_text():
    outcome = scan_and_redact({"t": "See https://docs.python.org/3/ while travelling to Canada."})
    assert outcome.status == "pass"
    assert outcome.fields["t"] == "See https://docs.python.org/3/ while travelling to Canada."
    assert outcome.reasons == ["flag:LOCATION", "flag:URL"]


def test_private_key_drops_the_record_and_still_redacts_it():
    key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"
    outcome = scan_and_redact({"t": f"my key:\n{key}\nmail a@example.com"})
    assert outcome.status == "dropped"
    assert outcome.reasons == ["pii_drop:PRIVATE_KEY"]
    assert "MIIEvQ" not in outcome.fields["t"] and "a@example.com" not in outcome.fields["t"]


def test_policy_actions_are_configurable():
    strict = CompliancePolicy(actions={"EMAIL": "drop", "URL": "redact"})
    assert scan_and_redact({"t": "x a@example.com"}, strict).status == "dropped"
    assert scan_and_redact({"t": "go to https://example.org now"}, strict).fields["t"] == "go to [URL_1] now"
    # A type the policy does not name is only flagged.
    assert scan_and_redact({"t": "call +41 (0)44 668 18 00"}, strict).status == "pass"
    with pytest.raises(ValueError):
        CompliancePolicy(actions={"EMAIL": "shred"})


def test_licenses():
    policy = CompliancePolicy()
    assert policy.license_reason("CC BY-NC 4.0") is None
    assert policy.license_reason("cc-by-4.0") is None
    assert policy.license_reason("apache_2.0") is None
    assert policy.license_reason("proprietary") == "license_not_allowed:proprietary"
    assert policy.license_reason(None) == "license_missing"
    assert CompliancePolicy(allow_missing_license=True).license_reason(None) is None
    outcome = scan_and_redact({"t": "hello"}, policy, license_="proprietary", check_license=True)
    assert (outcome.status, outcome.reasons) == ("dropped", ["license_not_allowed:proprietary"])


def test_blocked_terms():
    policy = CompliancePolicy(blocked_terms=("Project Nightjar", "internal use only"))
    outcome = scan_and_redact({"a": "About project   nightjar:", "b": "INTERNAL USE ONLY"}, policy)
    assert outcome.status == "dropped"
    assert outcome.reasons == ["blocked_term:Project Nightjar", "blocked_term:internal use only"]
    assert scan_and_redact({"a": "nightjars are birds"}, policy).status == "pass"


def test_a_blocked_term_inside_a_longer_word_does_not_drop():
    # The substring prefilter passes "project nightjars"; the whole-word pattern must still say no.
    policy = CompliancePolicy(blocked_terms=("Project Nightjar",))
    assert scan_and_redact({"a": "Project Nightjars and project nightjarring"}, policy).status == "pass"
    assert scan_and_redact({"a": "(Project Nightjar)"}, policy).reasons == ["blocked_term:Project Nightjar"]


def test_policy_round_trips_through_json():
    policy = CompliancePolicy(actions={"EMAIL": "drop"}, min_score=0.7, blocked_terms=("x",), allow_missing_license=True)
    assert policy_from_json(policy_json(policy)) == policy


def test_placeholders_do_not_retrigger_detectors():
    text = " ".join(f"[{t}_{i}]" for t in ("EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS", "SECRET",
                                           "PERSON", "STREET_ADDRESS", "URL", "LOCATION") for i in (1, 12))
    assert [f for f in detect(text) if f.score >= 0.5] == []


@settings(max_examples=150, deadline=None)
@given(
    parts=st.lists(
        st.one_of(st.sampled_from(PII_PIECES), st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)),
        max_size=8,
    )
)
def test_redaction_changes_nothing_outside_the_detected_spans(parts):
    text = " ".join(parts)
    policy = CompliancePolicy()
    outcome = scan_and_redact({"t": text}, policy)
    acted = [f for f in outcome.findings["t"] if policy.action(f.entity_type) not in ("flag", "remove")]
    # Rebuild the output from the raw text: every gap between acted spans is verbatim but for
    # its control characters, every acted span is a placeholder of its own type.
    pieces, cursor = [], 0
    for f in acted:
        assert 0 <= cursor <= f.start < f.end <= len(text)
        pieces.append(re.escape(strip_control_characters(text[cursor:f.start])))
        pieces.append(rf"\[{f.entity_type}_\d+\]")
        cursor = f.end
    pieces.append(re.escape(strip_control_characters(text[cursor:])))
    assert re.fullmatch("".join(pieces), outcome.fields["t"], flags=re.DOTALL)
    if not acted:
        assert outcome.fields["t"] == strip_control_characters(text)


def test_public_figures_are_flagged_not_redacted():
    record = {"instruction": "Who wrote 1984?", "output": "George Orwell wrote it; my editor Maria Gonzalez agrees."}
    outcome = scan_and_redact(record)
    assert outcome.fields["output"] == "George Orwell wrote it; my editor [PERSON_1] agrees."
    assert "flag:PUBLIC_FIGURE" in outcome.reasons
    assert [f.entity_type for f in outcome.findings["output"]] == ["PUBLIC_FIGURE", "PERSON"]
    strict = scan_and_redact(record, CompliancePolicy(actions={"PERSON": "redact", "PUBLIC_FIGURE": "redact"}))
    assert strict.fields["output"] == "[PUBLIC_FIGURE_1] wrote it; my editor [PERSON_1] agrees."


def test_a_lone_name_that_is_part_of_a_redacted_person_is_redacted_too():
    # Keeping the bare surname after the full name was redacted would leave who it was; it is the
    # same person, so it gets the same placeholder.
    outcome = scan_and_redact({"t": "The report was written by Bonifacy Kaczmarek in 1977. Later Kaczmarek moved to Gdansk."})
    assert outcome.fields["t"] == "The report was written by [PERSON_1] in 1977. Later [PERSON_1] moved to Gdansk."


def test_a_word_of_a_full_name_that_no_list_knows_is_that_person_too():
    outcome = scan_and_redact({"t": "Ondřejka spent a year as the assistant to Ondřejka Zbyhněvová, then left for Brno."})
    assert outcome.fields["t"] == "[PERSON_1] spent a year as the assistant to [PERSON_1], then left for Brno."


def test_a_word_shared_by_two_full_names_keeps_its_own_placeholder():
    outcome = scan_and_redact({"t": "Milena Hrubá met Milena Kowalczyk at 12 Long Street, Leeds LS1 4AP. Milena smiled."})
    assert outcome.fields["t"].startswith("[PERSON_1] met [PERSON_2] at "), outcome.fields
    assert outcome.fields["t"].endswith(" [PERSON_3] smiled."), outcome.fields


def test_a_word_of_a_full_name_inside_a_longer_name_stays():
    # "Lauder" of the person is not "the Estée Lauder Companies" the firm: a capitalized name word next to it.
    outcome = scan_and_redact({"t": "Ask Ronalda Vlašimská about it. The Vlašimská Foundation pays."})
    assert "The Vlašimská Foundation pays." in outcome.fields["t"], outcome.fields


def test_a_lone_name_with_no_redacted_person_in_the_record_stays_flagged():
    outcome = scan_and_redact({"t": "Later Kaczmarek moved to Gdansk."})
    assert outcome.fields["t"] == "Later Kaczmarek moved to Gdansk."
    assert "flag:GIVEN_NAME" in outcome.reasons
