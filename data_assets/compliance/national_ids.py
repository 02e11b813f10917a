"""National identity numbers beyond the US SSN: each country's format and, where it has one, its
check digit or letter, as the issuing authority publishes it.

A format alone is weak evidence (nine digits are many things), a check digit strong (a random
number passes one in ten to one in a hundred). So the formats whose check is strong and whose
shape is distinctive count wherever they appear: a Chinese resident ID (18 characters holding a
birth date), a Korean resident registration number (a birth date, a hyphen, seven digits), an
Italian codice fiscale, a Brazilian CPF written with its dots and hyphen, a French NIR grouped as
printed, a Singapore NRIC. The others need their name nearby as well ("SIN", "Aadhaar", "DNI",
"BSN", "National Insurance"): a Canadian SIN is nine Luhn-valid digits, as one in ten nine-digit
numbers is. Passport and driving licence numbers have no check at all and count only right after
the document's name (`identity_documents`).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import NamedTuple

from data_assets.compliance.caseless import Caseless
from data_assets.compliance.findings import Finding
from data_assets.compliance.tokens import CJK_LETTERS, occurrences

# How far before a number its cue still counts (the structured types read the same window).
CONTEXT_CHARS = 48


def _digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())


def real_date(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------- check digits
def luhn_valid(digits: str) -> bool:
    """The Luhn check (payment cards, Canada's SIN)."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if i % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5), (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7), (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3), (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 5, 7, 6, 2, 8, 3, 0, 9, 4), (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7), (9, 4, 5, 3, 1, 2, 6, 8, 7, 0), (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5), (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff(digits: str) -> bool:
    """The Verhoeff check (India's Aadhaar uses it)."""
    check = 0
    for i, char in enumerate(reversed(digits)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[i % 8][int(char)]]
    return check == 0


def cpf_valid(digits: str) -> bool:
    """Brazil's CPF: eleven digits, the last two check digits of the nine before (mod 11)."""
    if len(digits) != 11 or len(set(digits)) == 1:
        return False
    for n in (9, 10):
        total = sum(int(digits[i]) * (n + 1 - i) for i in range(n))
        if (total * 10 % 11) % 10 != int(digits[n]):
            return False
    return True


_CN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def china_id_valid(value: str) -> bool:
    """China's resident identity number (GB 11643): a region, a birth date, a sequence and an
    ISO 7064 MOD 11-2 check character (0-9 or X)."""
    value = value.upper()
    if len(value) != 18 or not value[:17].isdigit() or value[0] == "0" or value[0] == "9":
        return False
    if not (1900 <= int(value[6:10]) <= datetime.date.today().year and real_date(int(value[6:10]), int(value[10:12]), int(value[12:14]))):
        return False
    total = sum(int(c) * w for c, w in zip(value[:17], _CN_WEIGHTS))
    return "10X98765432"[total % 11] == value[17]


def korea_rrn_valid(digits: str) -> bool:
    """South Korea's resident registration number: a birth date (YYMMDD), a digit for the century
    and sex (1-4, 9 and 0 for the 1800s; 5-8 for foreign residents) and a weighted mod-11 check."""
    if len(digits) != 13 or digits[6] not in "12345678":
        return False
    century = 1900 if digits[6] in "1256" else 2000
    if not real_date(century + int(digits[:2]), int(digits[2:4]), int(digits[4:6])):
        return False
    total = sum(int(c) * w for c, w in zip(digits[:12], (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)))
    return (11 - total % 11) % 10 == int(digits[12])


_IT_ODD = dict(zip("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                   (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14,
                    16, 10, 22, 25, 24, 23)))


def codice_fiscale_valid(value: str) -> bool:
    """Italy's codice fiscale: the check letter of the fifteen characters before it."""
    value = value.upper()
    total = 0
    for i, char in enumerate(value[:15]):
        if i % 2 == 0:  # the 1st, 3rd, ... characters
            total += _IT_ODD[char]
        else:
            total += int(char) if char.isdigit() else ord(char) - 65
    return chr(65 + total % 26) == value[15]


def nir_valid(value: str) -> bool:
    """France's NIR (numéro de sécurité sociale): 13 characters and a key of 97 minus their value
    mod 97; Corsica's departments 2A and 2B count as 19 and 18."""
    compact = value.replace(" ", "").upper()
    if len(compact) != 15:
        return False
    body = compact[:13].replace("2A", "19", 1) if compact[5:7] == "2A" else compact[:13].replace("2B", "18", 1) if compact[5:7] == "2B" else compact[:13]
    if not body.isdigit() or not compact[13:].isdigit():
        return False
    return 97 - int(body) % 97 == int(compact[13:])


def bsn_valid(digits: str) -> bool:
    """The Netherlands' BSN: nine digits passing the '11-proof' (weights 9..2, the last -1)."""
    if len(digits) != 9:
        return False
    total = sum(int(c) * w for c, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1)))
    return total % 11 == 0 and total != 0


def dni_valid(value: str) -> bool:
    """Spain's DNI (8 digits and a letter) or NIE (X, Y or Z, 7 digits, a letter): the letter is
    the number mod 23 in the published table."""
    value = value.upper().replace("-", "").replace(" ", "")
    number = value[:-1]
    if number[:1] in "XYZ" and len(number) == 8:
        number = str("XYZ".index(number[0])) + number[1:]
    if len(number) != 8 or not number.isdigit():
        return False
    return "TRWAGMYFPDXBNJZSQVHLCKE"[int(number) % 23] == value[-1]


_NRIC_WEIGHTS = (2, 7, 6, 5, 4, 3, 2)


def nric_valid(value: str) -> bool:
    """Singapore's NRIC and FIN (S, T, F, G): a weighted check letter of the seven digits."""
    value = value.upper()
    prefix, digits, letter = value[0], value[1:8], value[8]
    total = sum(int(c) * w for c, w in zip(digits, _NRIC_WEIGHTS)) + (4 if prefix in "TG" else 0)
    letters = "JZIHGFEDCBA" if prefix in "ST" else "XWUTRQPNMLK"
    return letters[total % 11] == letter


def south_africa_id_valid(value: str) -> bool:
    """South Africa's identity number: a birth date (YYMMDD), four digits of sequence and sex, a
    citizenship digit (0 a citizen, 1 a permanent resident, 2 a refugee), one more digit and a
    Luhn check digit."""
    digits = _digits(value)
    if len(digits) != 13 or digits[10] not in "012":
        return False
    month, day = int(digits[2:4]), int(digits[4:6])
    # The century is not written: a day that exists in either (29 February) will do.
    return (real_date(1900 + int(digits[:2]), month, day) or real_date(2000 + int(digits[:2]), month, day)) and luhn_valid(digits)


def steuer_id_valid(value: str) -> bool:
    """Germany's tax identification number (Steuer-ID): eleven digits, no leading zero, one digit of
    the first ten written twice or three times and every other at most once, and an ISO 7064 MOD
    11,10 check digit."""
    digits = _digits(value)
    if len(digits) != 11 or digits[0] == "0":
        return False
    counts = sorted((digits[:10].count(c) for c in set(digits[:10])), reverse=True)
    if counts[0] not in (2, 3) or (len(counts) > 1 and counts[1] != 1):
        return False
    product = 10
    for char in digits[:10]:
        total = (int(char) + product) % 10 or 10
        product = total * 2 % 11
    return (11 - product) % 10 == int(digits[10])


def my_number_valid(value: str) -> bool:
    """Japan's individual number (My Number): eleven digits and a check digit, their weighted sum
    mod 11 (weights 2-7 then 2-6, from the right)."""
    digits = _digits(value)
    if len(digits) != 12:
        return False
    total = sum(int(digits[10 - i]) * (i + 2 if i < 6 else i - 4) for i in range(11))
    remainder = total % 11
    return (0 if remainder <= 1 else 11 - remainder) == int(digits[11])


def nhs_number_valid(value: str) -> bool:
    """The UK's NHS number: ten digits, the last a mod-11 check of the nine before (weights 10..2;
    a check of 10 is never issued)."""
    digits = _digits(value)
    if len(digits) != 10:
        return False
    check = 11 - sum(int(c) * w for c, w in zip(digits[:9], range(10, 1, -1))) % 11
    return check != 10 and check % 11 == int(digits[9])


def nino_valid(value: str) -> bool:
    """The UK's National Insurance number: two prefix letters from the allowed ones, six digits
    and a suffix A-D (there is no check digit)."""
    compact = value.replace(" ", "").upper()
    prefix = compact[:2]
    return (prefix[0] not in "DFIQUV" and prefix[1] not in "DFIOQUV"
            and prefix not in ("BG", "GB", "KN", "NK", "NT", "TN", "ZZ"))


# ---------------------------------------------------------------- formats
class _Rule(NamedTuple):
    name: str
    pattern: re.Pattern[str]
    valid: Callable[[str], bool]
    # Names of the number, one of which must stand near a format whose check is weak; empty where
    # the format and its check are evidence enough.
    cue: tuple[str, ...] = ()
    # A digit-led pattern every match of a pattern led by letters holds: searched for in C first,
    # it rules out nearly every text before the pattern tries every letter of it.
    hint: re.Pattern[str] | None = None


def _digits_valid(check: Callable[[str], bool]) -> Callable[[str], bool]:
    return lambda value: check(_digits(value))


# Chinese, Japanese and Korean writers put a number right after a word ("身份证号码是11010519491231002X",
# "個人番号は123456789018です"): a letter of those scripts next to a number does not make it part of a
# longer word, as a Latin letter or a digit does. The rules below are written with `[\w-]` for "part
# of a word"; this narrows it to the scripts that space their words.
_SPACED_SCRIPT_WORD = f"[^\\W{CJK_LETTERS}]"


def id_pattern(source: str) -> re.Pattern[str]:
    w = _SPACED_SCRIPT_WORD
    source = re.sub(r"\(\?<!\[\\w(\.?)-\]((?:\\d|\[[0-9-]+\])?)\)", lambda m: f"(?<!{w}{m[2]})(?<![{m[1]}-]{m[2]})", source)
    return re.compile(source.replace(r"(?![\w-]", f"(?!{w}|-"))


_RULES: tuple[_Rule, ...] = (
    _Rule("china_resident_id", id_pattern(r"[1-8](?<![\w-][1-8])\d{16}[\dXx](?![\w-])"), china_id_valid),
    _Rule("korea_rrn", id_pattern(r"\d(?<![\w-]\d)\d{5}-[1-8]\d{6}(?![\w-])"), _digits_valid(korea_rrn_valid)),
    _Rule("italy_codice_fiscale", id_pattern(r"(?i)(?<![\w-])[a-z]{6}\d{2}[abcdehlmprst]\d{2}[a-z]\d{3}[a-z](?![\w-])"),
          codice_fiscale_valid, hint=id_pattern(r"\d{2}[A-Za-z]\d{2}[A-Za-z]\d{3}[A-Za-z]")),
    _Rule("brazil_cpf", id_pattern(r"\d(?<![\w.-]\d)\d{2}\.\d{3}\.\d{3}-\d{2}(?![\w-]|\.\d)"), _digits_valid(cpf_valid)),
    _Rule("brazil_cpf", id_pattern(r"\d(?<![\w.-]\d)\d{10}(?![\w-]|\.\d)"), cpf_valid, ("CPF", "cpf")),
    _Rule("france_nir", id_pattern(r"(?i)[12](?<![\w-][12]) \d{2} (?:0[1-9]|1[0-2]|[2-9]\d) (?:\d{2}|2[ab]) \d{3} \d{3} \d{2}(?![\w-])"),
          nir_valid),
    _Rule("france_nir", id_pattern(r"(?i)[12](?<![\w-][12])\d{2}(?:0[1-9]|1[0-2]|[2-9]\d)(?:\d{2}|2[ab])\d{8}(?![\w-])"), nir_valid,
          ("NIR", "INSEE", "sécurité sociale", "securite sociale", "carte vitale")),
    _Rule("singapore_nric", id_pattern(r"(?i)(?<![\w-])[stfg]\d{7}[a-z](?![\w-])"), nric_valid, hint=id_pattern(r"\d{7}[A-Za-z]")),
    _Rule("canada_sin", id_pattern(r"\d(?<![\w-]\d)\d{2}[ -]?\d{3}[ -]?\d{3}(?![\w-]|[.,]\d)"), _digits_valid(luhn_valid),
          ("SIN", "NAS", "social insurance", "numéro d'assurance sociale")),
    _Rule("india_aadhaar", id_pattern(r"[2-9](?<![\w-][2-9])\d{3}[ -]?\d{4}[ -]?\d{4}(?![\w-]|[.,]\d)"), _digits_valid(verhoeff),
          ("UID", "UIDAI", "aadhaar", "aadhar", "आधार")),
    # PAN's fourth letter says whose it is (P a person, C a company, ...); it has no check digit.
    _Rule("india_pan", id_pattern(r"(?<![\w-])[A-Z]{3}[ABCFGHLJPT][A-Z]\d{4}[A-Z](?![\w-])"), lambda value: True,
          ("PAN", "permanent account number", "income tax"), hint=id_pattern(r"\d{4}[A-Z]")),
    _Rule("spain_dni", id_pattern(r"(?i)(?<![\w-])(?:\d{8}|[xyz]\d{7})[ -]?[a-z](?![\w-])"), dni_valid,
          ("DNI", "NIE", "NIF", "dni", "documento nacional", "número de identidad", "numero de identidad"),
          hint=id_pattern(r"\d{7}[ -]?[A-Za-z]")),
    _Rule("netherlands_bsn", id_pattern(r"\d(?<![\w-]\d)\d{8}(?![\w-]|[.,]\d)"), _digits_valid(bsn_valid),
          ("BSN", "bsn", "burgerservicenummer", "sofinummer")),
    _Rule("uk_nino", id_pattern(r"(?i)(?<![\w-])[a-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[a-d](?![\w-])"), nino_valid,
          ("NINO", "NIN", "NI", "national insurance"), hint=id_pattern(r"\d{2} ?\d{2} ?\d{2} ?[A-Da-d]")),
    # Grouped as the green book and the smart card print it ("800101 5009 087"), a South African
    # ID counts alone; thirteen digits in a row are many things (barcodes) and need the name.
    _Rule("south_africa_id", id_pattern(r"\d(?<![\w-]\d)\d{5} \d{4} \d{3}(?![\w-]|[.,]\d)"), south_africa_id_valid),
    _Rule("south_africa_id", id_pattern(r"\d(?<![\w-]\d)\d{12}(?![\w-]|[.,]\d)"), south_africa_id_valid,
          ("ID number", "ID no", "ID No", "SA ID", "identity number", "identity document", "South African")),
    _Rule("germany_steuer_id", id_pattern(r"\d(?<![\w-]\d)\d(?: ?\d{3}){3}(?![\w-]|[.,]\d)"), steuer_id_valid,
          ("Steuer-ID", "Steuer-IdNr", "Steueridentifikationsnummer", "Steuer-Identifikationsnummer", "Identifikationsnummer",
           "IdNr", "TIN", "tax ID", "Tax ID", "tax identification number")),
    _Rule("japan_my_number", id_pattern(r"\d(?<![\w-]\d)\d{3}[ -]?\d{4}[ -]?\d{4}(?![\w-]|[.,]\d)"), my_number_valid,
          ("My Number", "マイナンバー", "個人番号", "individual number")),
    _Rule("uk_nhs_number", id_pattern(r"\d(?<![\w-]\d)\d{2}[ -]?\d{3}[ -]?\d{4}(?![\w-]|[.,]\d)"), nhs_number_valid,
          ("NHS", "CHI", "NHS number", "NHS no")),
    # Nigeria's NIN has no published check digit: eleven digits after its name.
    _Rule("nigeria_nin", id_pattern(r"\d(?<![\w-]\d)\d{10}(?![\w-]|[.,]\d)"), lambda value: True,
          ("NIN", "NIMC", "national identification number", "national identity number")),
)
# Every number a rule without a cue finds holds one of these (a new rule's number must too): one
# digit-led pattern, scanned for in C, rules out nearly every text before those rules run.
# (Factored behind its first digit, the alternation is four times faster than written out.)
_UNCUED_HINT = re.compile(r"\d(?:\d{5}|\d{2}\.\d{3}\.| \d{2} \d{2} |\d[A-Za-z]\d{2}[A-Za-z]|\d{6}[A-Za-z])")
# Every rule's cue in two patterns, found once per text: acronyms as written ("SIN", "PAN", "NI":
# "sin", "pan" and "ni" are words), the other names in any case; and what each cue names.
# A cue holding a capital is matched as written: "SIN", "PAN", "NI", "ID" and "My Number" are
# also words, "Steuer-ID" is written so.
_RULES_CUED_BY: dict[str, set[str]] = {}
for _rule in _RULES:
    for _word in _rule.cue:
        _RULES_CUED_BY.setdefault(_word if _word != _word.lower() else _word.lower(), set()).add(_rule.name)
_ACRONYMS = tuple(w for w in _RULES_CUED_BY if w != w.lower())
_NAMES = tuple(w for w in _RULES_CUED_BY if w == w.lower())


def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


_SHORT_NUMBER_NAMES = ("permanent account number", "income tax", "national insurance")
_ACRONYM_CUE = re.compile(rf"\b(?:{_alternation(_ACRONYMS)})\b")
# Chinese and Japanese write no space around a word ("私の個人番号は…"): their cues need no boundary.
_CJK_NAMES = tuple(w for w in _NAMES if re.search(f"[{CJK_LETTERS}]", w))
_NAME_CUE = Caseless(re.compile(rf"(?i)\b(?:{_alternation(tuple(w for w in _NAMES if w not in _CJK_NAMES))})\b"
                                rf"|{_alternation(_CJK_NAMES)}"))


def _shortest(words: tuple[str, ...]) -> tuple[str, ...]:
    """The words no other of `words` is part of: a text holds one of `words` only if it holds one
    of these, fewer substring tests ("NIN" stands for "NIN" and "NINO")."""
    return tuple(w for w in words if not any(o != w and o in w for o in words))


_ACRONYM_PARTS = _shortest(_ACRONYMS)
_NAME_PARTS = _shortest(_NAMES)


def _cues(text: str, lower: str) -> list[tuple[int, int, set[str]]]:
    """Where a cue stands and which rules it is the cue of; substring tests in C first (map over a
    bound method, no Python frame per word), since nearly every text holds none."""
    out = []
    if any(map(text.__contains__, _ACRONYM_PARTS)):
        out.extend((m.start(), m.end(), _RULES_CUED_BY[m.group()]) for m in _ACRONYM_CUE.finditer(text))
    if any(map(lower.__contains__, _NAME_PARTS)):
        # The match may come from the lowercased text (caseless.py): looked up lowercased.
        out.extend((m.start(), m.end(), _RULES_CUED_BY[m.group().lower()])
                   for m in _NAME_CUE.finditer(text, lowered=lower if text.isascii() else None))
    return out


# ---------------------------------------------------------------- identity documents
# Passport and driving licence numbers have no check digit a text can be tested against, and their
# formats differ by country ("X1234567", "C01X00T47", "12AB34567", "123456789", "MORGA753116SM9IJ").
# So they count only right after the document's name, joined to it by the words that introduce a
# number ("Passport No.:", "my passport number is", "Führerschein-Nr."), and only as a code: capitals
# and digits, with enough digits that a word ("Passport: required") or a year ("passport since 2019")
# is none.
NUMBER_JOINT = (r"(?i:[ \t]*(?:(?:number|numbers|no\.?|nr\.?|num\.?|n[°º]\.?|#|id|nummer|numéro|número|numero|номер|"
                 r"号码|號碼|番号|번호|is|was|reads|:|=|-)[ \t]*){0,4})")


def named_matches(text: str, lower: str, stems: tuple[str, ...], pattern: re.Pattern[str]) -> list[re.Match[str]]:
    """Matches of `pattern` tried only where one of `stems` opens a word (a CJK stem anywhere):
    a pattern led by an alternation of names scans a long text slowly, a stem is found in C. Every
    name `pattern` opens with must open with one of `stems`."""
    # A Latin stem after a letter or a digit is inside a word; a CJK one may stand anywhere.
    starts = sorted({at for at in occurrences(lower, stems) if not (at and lower[at - 1].isalnum() and lower[at].isascii())})
    matches = (pattern.match(text, start) for start in starts)
    return [m for m in matches if m is not None]


def _document(names: str, code: str) -> re.Pattern[str]:
    return id_pattern(rf"(?i:{names}){NUMBER_JOINT}(?P<value>(?<![\w-]){code}(?![\w-]))")


# Each name opens with one of its kind's stems: the patterns are tried only where one opens a word
# (`named_matches`).
_PASSPORT_NAMES = (r"passport|reisepass|pass-?nr\.?|passnummer|passeport|pasaporte|passaporto|paspoort|passaporte|"
                   r"паспорт|护照|護照|旅券|여권")
_LICENCE_NAMES = (r"driver['’]?s?[ \t]+licen[cs]e|driving[ \t]+licen[cs]e|führerschein(?:-?nr\.?|nummer)?|"
                  r"permis[ \t]+de[ \t]+conduire|licencia[ \t]+de[ \t]+conducir|carteira[ \t]+de[ \t]+motorista|"
                  r"patente[ \t]+di[ \t]+guida|rijbewijs(?:nummer)?|körkort|водительское[ \t]+удостоверение|驾驶证|駕駛執照|運転免許証?")
# A passport number: six to nine capitals and digits, at least three of them digits; a licence
# number: five to twenty, hyphens inside allowed ("D123-4567-8901"), at least four digits.
_PASSPORT_CODE = r"(?=(?:[A-Z]*\d){3})[A-Z0-9]{6,9}"
_LICENCE_CODE = r"(?=(?:[A-Z-]*\d){4})[A-Z0-9](?:[A-Z0-9]|-(?=[A-Z0-9])){4,19}"
# Each kind: its stems, its pattern as written, and the one for text written in lowercase.
_DOCUMENTS = (
    ("passport", ("pass", "reisepass", "pasaporte", "paspoort", "паспорт", "护照", "護照", "旅券", "여권"),
     _document(_PASSPORT_NAMES, _PASSPORT_CODE), _document(_PASSPORT_NAMES, _PASSPORT_CODE.replace("A-Z", "A-Za-z"))),
    ("driving_licence", ("driver", "driving", "führerschein", "permis", "licencia", "carteira", "patente", "rijbewijs", "körkort",
                         "водительское", "驾驶证", "駕駛執照", "運転免許"),
     _document(_LICENCE_NAMES, _LICENCE_CODE), _document(_LICENCE_NAMES, _LICENCE_CODE.replace("A-Z", "A-Za-z"))),
)
_DOCUMENT_WORDS = tuple(word for _, words, _, _ in _DOCUMENTS for word in words)


def identity_documents(text: str, lower: str | None = None) -> list[Finding]:
    """Passport and driving licence numbers given as such (see `_DOCUMENTS`). In a text written in
    lowercase the code is in lowercase too ("passport no x1234567")."""
    lower = text.lower() if lower is None else lower
    return [Finding(m.start("value"), m.end("value"), "NATIONAL_ID", f"id_document_{kind}", 0.85)
            for kind, stems, as_written, lowercase in _DOCUMENTS
            for m in named_matches(text, lower, stems, lowercase if text == lower else as_written)]


def national_ids_possible_with_few_digits(text: str, lower: str) -> bool:
    """Whether a text with fewer than seven digits can hold a number: only India's PAN (four
    digits), the UK's National Insurance number (six) and passport and licence numbers (three and
    four) are that short, and all need their name."""
    return "PAN" in text or "NI" in text or any(map(lower.__contains__, _SHORT_NUMBER_NAMES)) or any(
        map(lower.__contains__, _DOCUMENT_WORDS))


def national_ids(text: str, lower: str | None = None) -> list[Finding]:
    """`lower`: `text.lower()`, if made."""
    lower = text.lower() if lower is None else lower
    found: list[Finding] = identity_documents(text, lower)
    # Cues first: finding them costs less than running the patterns that need one, nearly every
    # text holds none, and a pattern whose cue is nowhere in the text cannot count.
    cues = _cues(text, lower)
    uncued = _UNCUED_HINT.search(text) is not None
    for rule in _RULES:
        if not (any(rule.name in names for _, _, names in cues) if rule.cue else uncued):
            continue
        if rule.hint is not None and not rule.hint.search(text):
            continue
        for m in rule.pattern.finditer(text):
            start, end = m.start(), m.end()
            if any(f.start < end and start < f.end for f in found) or not rule.valid(m.group()):
                continue  # one number, one reading (a bare CPF is no BSN as well)
            if rule.cue and not any(rule.name in names and (start - CONTEXT_CHARS <= cue_end <= start or end <= cue_start <= end + 16)
                                    for cue_start, cue_end, names in cues):
                continue
            found.append(Finding(start, end, "NATIONAL_ID", f"national_id_{rule.name}", 0.85 if rule.cue else 0.9))
    return found
