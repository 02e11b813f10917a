"""Names in the columns of a table a text holds (CSV, TSV, semicolon-separated, Markdown), and in
the name fields of a record written as data (JSON, YAML, XML, `key=value`).

Prose names a person with a cue around the name; a table names the column instead: under a header
`first_name,last_name,email` the row `Giorgos,Papadopoulos,g.papa@example.gr` holds a person's
name in its first two fields, though no field has a capital word next to another or a cue before
it. So a header whose column is a person's name field makes every row's value in that column a
PERSON; a one-word value alone in its row is a lone name, as in prose. A header that says only "name" (or "customer", "author") names products and places as
often as people: there a value counts only when a word of it is a listed given or family name.
The same holds for a record's fields: `"first_name": "Thandiwe"`, `<lastName>Nkosi</lastName>`,
`surname: Dlamini`.
"""

from __future__ import annotations

import re

from data_assets.compliance.findings import Finding
from data_assets.compliance.names import FIRST_NAMES, SURNAMES

# Column names of a person's name, written as in a header: lowercase, spaces and hyphens as "_".
PERSON_NAME_COLUMNS = frozenset({
    "first_name", "firstname", "given_name", "givenname", "given_names", "forename", "forenames",
    "middle_name", "middlename", "last_name", "lastname", "surname", "family_name", "familyname",
    "full_name", "fullname", "person_name", "customer_name", "client_name", "employee_name", "contact_name",
    "patient_name", "student_name", "account_holder", "account_name", "cardholder", "cardholder_name",
    "beneficiary", "beneficiary_name", "payee", "payee_name", "emergency_contact", "next_of_kin",
    "vorname", "nachname", "familienname", "prénom", "prenom", "nom_de_famille", "nombre", "apellido", "apellidos",
    "nome", "cognome", "sobrenome", "voornaam", "achternaam", "förnamn", "efternamn", "fornavn", "etternavn",
})
# "first" and "last" name a person's name fields beside each other ("id,first,last,phone"), and
# are ordinals otherwise ("first,second").
_FIRST_AND_LAST = ("first", "last")
# Column names that hold a person's name as often as a thing's.
AMBIGUOUS_NAME_COLUMNS = frozenset({"name", "customer", "client", "employee", "contact", "patient", "student", "author",
                                    "owner", "user", "member", "person", "recipient", "sender", "nom", "naam"})
# Substrings one of the column names holds: tested in C before a line is split.
_HEADER_WORDS = ("name", "first", "last", "forename", "customer", "client", "employee", "contact", "patient", "student",
                 "author", "owner", "user", "member", "person", "recipient", "sender", "holder", "beneficiary", "payee",
                 "kin", "nom", "nachname", "prénom", "prenom", "apellido", "cognome", "naam", "namn", "navn")
_DELIMITERS = ("\t", "|", ";", ",")
_SEPARATOR_ROW = re.compile(r"^[\s|:+-]*-{3}[\s|:+-]*$")  # "|---|:---:|" under a Markdown header
# A name field's value: letters, with the spaces, dots, apostrophes and hyphens names hold.
_NAME_VALUE = re.compile(r"[^\W\d_]+(?:[ .'’-]{1,2}[^\W\d_]+){0,4}\.?")
_WORD = re.compile(r"[^\W\d_]+")
# What a table writes where it has no value.
_NO_VALUE = frozenset({"none", "null", "nil", "nan", "unknown", "anonymous", "redacted", "tbd", "tba", "na", "n", "x"})


def _fields(line: str, delimiter: str) -> list[tuple[int, int]]:
    """Spans of `line`'s fields, surrounding spaces and quotes off; a Markdown row's outer pipes
    open and close no field."""
    spans = []
    start = 0
    inner = line
    if delimiter == "|":
        stripped = line.strip()
        offset = line.index(stripped) if stripped else 0
        if stripped.startswith("|"):
            offset += 1
            stripped = stripped[1:]
        if stripped.endswith("|"):
            stripped = stripped[:-1]
        inner, start = stripped, offset
    position = 0
    for piece in inner.split(delimiter):
        left = len(piece) - len(piece.lstrip(" \"'"))
        right = len(piece.rstrip(" \"'\r"))
        spans.append((start + position + left, start + position + max(left, right)))
        position += len(piece) + 1
    return spans


def _column_key(field: str) -> str:
    return re.sub(r"[\s-]+", "_", field.strip().lower())


def _header(line: str) -> tuple[str, dict[int, bool]] | None:
    """The delimiter of a header line and its name columns (index: whether the column name is
    ambiguous), or None when the line is no such header."""
    for delimiter in _DELIMITERS:
        if line.count(delimiter) < (2 if delimiter == "|" else 1):
            continue
        keys = [_column_key(line[s:e]) for s, e in _fields(line, delimiter)]
        # A header names its columns: short labels, none of them a number.
        if len(keys) < 2 or any(len(k) > 40 or any(c.isdigit() for c in k) for k in keys):
            continue
        explicit = set(PERSON_NAME_COLUMNS)
        if all(k in keys for k in _FIRST_AND_LAST):
            explicit.update(_FIRST_AND_LAST)
        columns = {i: k not in explicit for i, k in enumerate(keys) if k in explicit or k in AMBIGUOUS_NAME_COLUMNS}
        if columns:
            return delimiter, columns
    return None


def _listed_name(value: str) -> bool:
    return any(w.lower() in FIRST_NAMES or w.lower() in SURNAMES for w in _WORD.findall(value))


def names_in_columns(text: str) -> list[Finding]:
    """PERSON findings for the values of the name columns of every table `text` holds."""
    if "\n" not in text:
        return []
    lower = text.lower()
    if not any(map(lower.__contains__, _HEADER_WORDS)):
        return []
    found: list[Finding] = []
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    i = 0
    while i < len(lines):
        header = _header(lines[i]) if any(map(lines[i].lower().__contains__, _HEADER_WORDS)) else None
        if header is None:
            i += 1
            continue
        delimiter, columns = header
        width = len(_fields(lines[i], delimiter))
        i += 1
        if i < len(lines) and delimiter == "|" and _SEPARATOR_ROW.match(lines[i]):
            i += 1
        # The rows: every following line with as many fields, up to the first that has not.
        while i < len(lines) and lines[i].strip():
            spans = _fields(lines[i], delimiter)
            if len(spans) != width:
                break
            row = []
            for column, ambiguous in columns.items():
                start, end = spans[column]
                value = lines[i][start:end]
                if not value or value.lower() in _NO_VALUE or not _NAME_VALUE.fullmatch(value) or (
                        ambiguous and not _listed_name(value)):
                    continue
                row.append((offsets[i] + start, offsets[i] + end, " " in value.strip()))
            # A full name (two words, or a first and a last name field) is a person; one word alone
            # ("1 | John | Software Engineer") is a lone name like one in prose, PII only beside other
            # PII in the text (see detect.py).
            detector = "name_column" if len(row) > 1 or any(full for _, _, full in row) else "name_alone"
            found.extend(Finding(start, end, "PERSON", detector, 0.85) for start, end, _ in row)
            i += 1
    return found


# ---------------------------------------------------------------- fields of a record written as data
# A key that ends in a word for "name" (first_name, lastName, Nachname, apellido, ...), then what
# joins a key to its value in JSON, YAML, XML or `key=value`, then the value, up to its quote, the
# next field or the line's end.
_FIELD = re.compile(
    r"(?i)(?<![\w-])[\"']?(?P<key>[\w-]{0,30}?(?:name|names|naam|nom|navn|namn|apellidos?|nombre|cognome|surname))[\"']?"
    r"(?:[ \t]*[:=][ \t]*[\"']?|>)(?P<value>[^\n\"'<>{}\[\],;=|\t]{1,80})"
)
GIVEN_NAME_FIELDS = frozenset({"first_name", "firstname", "given_name", "givenname", "given_names", "forename", "forenames",
                               "middle_name", "middlename", "vorname", "prénom", "prenom", "nombre", "nome", "voornaam",
                               "förnamn", "fornavn"})
FAMILY_NAME_FIELDS = frozenset({"last_name", "lastname", "surname", "family_name", "familyname", "nachname", "familienname",
                                "nom_de_famille", "apellido", "apellidos", "cognome", "sobrenome", "achternaam", "efternamn",
                                "etternavn"})
_FIELD_WORDS = ("name", "naam", "nom", "navn", "namn", "apellido", "cognome")


def _field_key(key: str) -> str:
    """`firstName`, `First-Name`, `first.name` -> `first_name`."""
    return re.sub(r"[\s.-]+", "_", re.sub(r"(?<=[a-z])(?=[A-Z])", "_", key)).lower()


def names_in_fields(text: str) -> list[Finding]:
    """PERSON findings for the values of the name fields of records written as data."""
    lower = text.lower()
    if not any(map(lower.__contains__, _FIELD_WORDS)):
        return []
    values = []
    kinds = set()
    for m in _FIELD.finditer(text):
        key = _field_key(m.group("key"))
        # A field called only "name" is left to the naming cues of names.py, which know "Name: Save
        # the Pigs" and "Organization name: ..." for what they are.
        if key not in PERSON_NAME_COLUMNS:
            continue
        raw = m.group("value")
        value = raw.strip(" ")
        if not value or value.lower() in _NO_VALUE or not _NAME_VALUE.fullmatch(value):
            continue
        start = m.start("value") + (len(raw) - len(raw.lstrip(" ")))
        values.append((start, start + len(value), " " in value))
        kinds.add("given" if key in GIVEN_NAME_FIELDS else "family" if key in FAMILY_NAME_FIELDS else "full")
    # A given and a family name field, or a value of two words, make a full name; one word alone
    # is a lone name as in prose (see `names_in_columns`).
    whole = {"given", "family"} <= kinds
    return [Finding(start, end, "PERSON", "name_field" if whole or full else "name_alone", 0.85) for start, end, full in values]
