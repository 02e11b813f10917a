"""Names in the columns of a table a text holds (CSV, TSV, semicolon-separated, Markdown), and in
the name fields of a record written as data (JSON, YAML, XML, `key=value`).

Prose names a person with a cue around the name; a table names the column instead: under a header
`first_name,last_name,email` the row `Giorgos,Papadopoulos,g.papa@example.gr` holds a person's
name in its first two fields, though no field has a capital word next to another or a cue before
it. So a header whose column is a person's name field makes every row's value in that column a
PERSON; a one-word value alone in its row is a lone name, as in prose. A header that says only
"name" names products and places as often as people: there a value counts only when a word of it
is a listed given or family name.
The same holds for a record's fields: `"first_name": "Thandiwe"`, `<lastName>Nkosi</lastName>`,
`surname: Dlamini`.
"""

from __future__ import annotations

import re

from data_assets.compliance.findings import Finding
from data_assets.compliance.names import FIRST_NAMES, SURNAMES
from data_assets.compliance.tokens import occurrences

# Column names of a person's name, written as in a header: lowercase, spaces and hyphens as "_".
PERSON_NAME_COLUMNS = frozenset({
    "first_name", "firstname", "given_name", "givenname", "given_names", "forename", "forenames",
    "middle_name", "middlename", "last_name", "lastname", "surname", "family_name", "familyname",
    "full_name", "fullname", "person_name", "customer_name", "client_name", "employee_name", "contact_name",
    "patient_name", "student_name", "account_holder_name", "account_name", "cardholder_name",
    "beneficiary_name", "payee_name", "emergency_contact_name",
    "vorname", "nachname", "familienname", "prénom", "prenom", "nom_de_famille", "nombre", "apellido", "apellidos",
    "nome", "cognome", "sobrenome", "voornaam", "achternaam", "förnamn", "efternamn", "fornavn", "etternavn",
})
# "first" and "last" name a person's name fields beside each other ("id,first,last,phone"), and
# are ordinals otherwise ("first,second").
_FIRST_AND_LAST = frozenset({"first", "last"})
# Column names that hold a person's name as often as a thing's ("Name,Price"): a value counts only
# when a word of it is a listed name.
AMBIGUOUS_NAME_COLUMNS = frozenset({"name", "nom", "naam"})
# Every column name above holds one of these (a new one must too; a test checks): the lines and
# keys worth reading are found from where these stand, so a text that holds none costs a few
# substring searches in C.
STEMS = ("name", "nom", "naam", "namn", "navn", "apellido", "first")
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
    return "_".join(field.lower().replace("-", " ").split())


def _header(line: str) -> tuple[str, dict[int, bool]] | None:
    """The delimiter of a header line and its name columns (index: whether the column name is
    ambiguous), or None when the line is no such header."""
    for delimiter in _DELIMITERS:
        if line.count(delimiter) < (2 if delimiter == "|" else 1):
            continue
        spans = _fields(line, delimiter)
        # A header names its columns: short labels, none of them a number (prose with commas in it
        # is let go before any label is read).
        if len(spans) < 2 or any(end - start > 40 for start, end in spans):
            continue
        keys = [_column_key(line[start:end]) for start, end in spans]
        if any(c.isdigit() for k in keys for c in k):
            continue
        explicit = PERSON_NAME_COLUMNS | _FIRST_AND_LAST if all(k in keys for k in _FIRST_AND_LAST) else PERSON_NAME_COLUMNS
        columns = {i: k not in explicit for i, k in enumerate(keys) if k in explicit or k in AMBIGUOUS_NAME_COLUMNS}
        if columns:
            return delimiter, columns
    return None


def _listed_name(value: str) -> bool:
    return any(w.lower() in FIRST_NAMES or w.lower() in SURNAMES for w in _WORD.findall(value))


def names_in_data(text: str, lower: str | None = None) -> list[Finding]:
    """PERSON findings for the values of the name columns of the tables `text` holds and of the
    name fields of its records. `lower`: `text.lower()`, if made."""
    positions = occurrences(text.lower() if lower is None else lower, STEMS)
    if not positions:
        return []
    return names_in_columns(text, positions) + names_in_fields(text, positions)


def _line_at(text: str, start: int) -> tuple[str, int]:
    """The line that starts at `start` and where the next one starts (past the text's end if none)."""
    end = text.find("\n", start)
    end = len(text) if end == -1 else end
    return text[start:end], end + 1


def names_in_columns(text: str, positions: list[int]) -> list[Finding]:
    """PERSON findings for the values of the name columns of every table `text` holds; `positions`:
    where the stems stand (`tokens.occurrences`). Only the lines a stem stands on can be a header, and
    only the lines after a header are read, one by one: a text is not split whole."""
    if "\n" not in text:
        return []
    found: list[Finding] = []
    read_up_to = 0  # where the last table read ended
    for header_start in sorted({text.rfind("\n", 0, p) + 1 for p in positions}):
        if header_start < read_up_to:
            continue
        line, row_start = _line_at(text, header_start)
        header = _header(line)
        if header is None:
            continue
        delimiter, columns = header
        width = len(_fields(line, delimiter))
        line, cursor = _line_at(text, row_start)
        if delimiter == "|" and _SEPARATOR_ROW.match(line):
            row_start = cursor
            line, cursor = _line_at(text, row_start)
        # The rows: every following line with as many fields, up to the first that has not.
        while row_start < len(text) and line.strip():
            spans = _fields(line, delimiter)
            if len(spans) != width:
                break
            row = []
            for column, ambiguous in columns.items():
                start, end = spans[column]
                value = line[start:end]
                if not value or value.lower() in _NO_VALUE or not _NAME_VALUE.fullmatch(value) or (
                        ambiguous and not _listed_name(value)):
                    continue
                row.append((row_start + start, row_start + end, " " in value.strip()))
            # A full name (two words, or a first and a last name field) is a person; one word alone
            # ("1 | John | Software Engineer") is a lone name like one in prose, PII only beside other
            # PII in the text (see detect.py).
            detector = "name_column" if len(row) > 1 or any(full for _, _, full in row) else "name_alone"
            found.extend(Finding(start, end, "PERSON", detector, 0.85) for start, end, _ in row)
            row_start = cursor
            line, cursor = _line_at(text, row_start)
        read_up_to = row_start
    return found


# ---------------------------------------------------------------- fields of a record written as data
# After a key, what joins it to its value in JSON, YAML, XML or `key=value`, then the value, up to
# its quote, the next field or the line's end.
_JOINT_AND_VALUE = re.compile(r"[\"']?(?:[ \t]*[:=][ \t]*[\"']?|>)(?P<value>[^\n\"'<>{}\[\],;=|\t]{1,80})")
GIVEN_NAME_FIELDS = frozenset({"first_name", "firstname", "given_name", "givenname", "given_names", "forename", "forenames",
                               "middle_name", "middlename", "vorname", "prénom", "prenom", "nombre", "nome", "voornaam",
                               "förnamn", "fornavn"})
FAMILY_NAME_FIELDS = frozenset({"last_name", "lastname", "surname", "family_name", "familyname", "nachname", "familienname",
                                "nom_de_famille", "apellido", "apellidos", "cognome", "sobrenome", "achternaam", "efternamn",
                                "etternavn"})


def _key_char(char: str) -> bool:
    return char.isalnum() or char in "_-"


def _field_key(key: str) -> str:
    """`firstName`, `First-Name`, `first.name` -> `first_name`."""
    return re.sub(r"[\s.-]+", "_", re.sub(r"(?<=[a-z])(?=[A-Z])", "_", key)).lower()


def names_in_fields(text: str, positions: list[int]) -> list[Finding]:
    """PERSON findings for the values of the name fields of records written as data; `positions`:
    where the stems stand (`tokens.occurrences`)."""
    values = []
    kinds = set()
    key_end = -1
    for p in positions:
        if p < key_end:
            continue  # a stem inside the key just read ("first" and "name" of "first_name")
        # The key is the run of key characters the stem stands in.
        start = p
        while start > 0 and _key_char(text[start - 1]) and p - start < 30:
            start -= 1
        key_end = p
        while key_end < len(text) and _key_char(text[key_end]):
            key_end += 1
        key = _field_key(text[start:key_end])
        # A field called only "name" is left to the naming cues of names.py, which know "Name: Save
        # the Pigs" and "Organization name: ..." for what they are.
        if key not in PERSON_NAME_COLUMNS:
            continue
        m = _JOINT_AND_VALUE.match(text, key_end)
        if m is None:
            continue
        raw = m.group("value")
        value = raw.strip(" ")
        if not value or value.lower() in _NO_VALUE or not _NAME_VALUE.fullmatch(value):
            continue
        value_start = m.start("value") + (len(raw) - len(raw.lstrip(" ")))
        values.append((value_start, value_start + len(value), " " in value))
        kinds.add("given" if key in GIVEN_NAME_FIELDS else "family" if key in FAMILY_NAME_FIELDS else "full")
    # A given and a family name field, or a value of two words, make a full name; one word alone
    # is a lone name as in prose (see `names_in_columns`).
    whole = {"given", "family"} <= kinds
    return [Finding(start, end, "PERSON", "name_field" if whole or full else "name_alone", 0.85) for start, end, full in values]
