"""Names in the name columns of tables (compliance/tables.py), through the stage as users get them."""

import pytest

from data_assets.compliance import scan_and_redact
from data_assets.compliance.tables import AMBIGUOUS_NAME_COLUMNS, PERSON_NAME_COLUMNS, STEMS, names_in_data


def redacted(text: str) -> str:
    return scan_and_redact({"t": text}).fields["t"]


@pytest.mark.parametrize("text, names", [
    ("first_name,last_name,email\nGiorgos,Papadopoulos,g.papa@example.gr", ["Giorgos", "Papadopoulos"]),
    ("id,first,last,phone\n17,Thandiwe,Nkosi,+27 82 555 0143", ["Thandiwe", "Nkosi"]),
    ("Vorname;Nachname;Stadt\nLukas;Schneider;München", ["Lukas", "Schneider"]),
    ("full_name\tcity\nThandiwe Nkosi\tDurban", ["Thandiwe Nkosi"]),
    ("| Name | Phone |\n|---|---|\n| Aarav Mehta | 98765 43210 |", ["Aarav Mehta"]),
    ('"first_name","email"\n"Giorgos","g.papa@example.gr"', ["Giorgos"]),   # a lone name beside an e-mail
])
def test_values_of_name_columns_are_redacted(text, names):
    out = redacted(text)
    for name in names:
        assert name not in out, out


@pytest.mark.parametrize("text", [
    "Name,Price,Stock\nWidget,9.99,120\nGadget Pro,19.99,5",     # "name" of products: no listed name
    "first,second\nalpha,beta",                                  # ordinals, not name fields
    "Customer\tOrder\nnone\t99\nunknown\t12",                    # no value
    "name,age\nJohn,25\nAlice,30",                               # one given name alone, nothing else personal
])
def test_tables_that_name_no_one(text):
    assert redacted(text) == text


def test_a_row_with_first_and_last_name_is_a_full_name_and_a_lone_one_is_not():
    text = "first_name,last_name\nGiorgos,Papadopoulos\nMaria,"
    found = {text[f.start:f.end]: f.detector for f in names_in_data(text)}
    assert found == {"Giorgos": "name_column", "Papadopoulos": "name_column", "Maria": "name_alone"}


def test_rows_end_where_the_table_ends():
    text = "first_name,last_name\nGiorgos,Papadopoulos\n\nSome prose, then Words, after it."
    assert [text[f.start:f.end] for f in names_in_data(text)] == ["Giorgos", "Papadopoulos"]


@pytest.mark.parametrize("text, names", [
    ('{"first_name": "Thandiwe", "last_name": "Nkosi", "email": "t.nkosi@example.co.za"}', ["Thandiwe", "Nkosi"]),
    ("<customer><firstName>Oyelaran</firstName><lastName>Adebayo</lastName></customer>", ["Oyelaran", "Adebayo"]),
    ("first_name: Zanele\nlast_name: Dlamini\ncity: Durban", ["Zanele", "Dlamini"]),
    ('fullName="Wiremu Tane"; dob="1988-02-14"', ["Wiremu Tane", "1988-02-14"]),
    ('{"date_of_birth": "1990-05-03"}', ["1990-05-03"]),
])
def test_values_of_name_fields_are_redacted(text, names):
    out = redacted(text)
    for name in names:
        assert name not in out, out


@pytest.mark.parametrize("text", [
    '{"name": "Widget Pro", "price": 9.99}',
    '{"firstName": "John"}',                 # a lone given name, nothing else personal
    "filename: report.pdf",
    "hostname=web01",
    'class_name = "DataLoader"',
    "The file name is given by name=value pairs.",
])
def test_fields_that_name_no_one(text):
    assert redacted(text) == text


def test_every_name_column_holds_a_stem():
    # The detector reads only the lines and keys where a stem stands ("last" is read beside "first").
    for column in PERSON_NAME_COLUMNS | AMBIGUOUS_NAME_COLUMNS | {"first"}:
        assert any(stem in column for stem in STEMS), column
