"""National identity numbers beyond the US SSN: each country's format and, where it has one, its
check digit or letter, as the issuing authority publishes it.

A format alone is weak evidence (nine digits are many things), a check digit strong (a random
number passes one in ten to one in a hundred). So the formats whose check is strong and whose
shape is distinctive count wherever they appear: a Chinese resident ID (18 characters holding a
birth date), a Korean resident registration number (a birth date, a hyphen, seven digits), an
Italian codice fiscale, a Brazilian CPF written with its dots and hyphen, a French NIR grouped as
printed, a Singapore NRIC. The others need their name nearby as well ("SIN", "Aadhaar", "DNI",
"BSN", "National Insurance"): a Canadian SIN is nine Luhn-valid digits, as one in ten nine-digit
numbers is.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import NamedTuple

from data_assets.compliance.caseless import Caseless
from data_assets.compliance.findings import Finding

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


_RULES: tuple[_Rule, ...] = (
    _Rule("china_resident_id", re.compile(r"[1-8](?<![\w-][1-8])\d{16}[\dXx](?![\w-])"), china_id_valid),
    _Rule("korea_rrn", re.compile(r"\d(?<![\w-]\d)\d{5}-[1-8]\d{6}(?![\w-])"), _digits_valid(korea_rrn_valid)),
    _Rule("italy_codice_fiscale", re.compile(r"(?i)(?<![\w-])[a-z]{6}\d{2}[abcdehlmprst]\d{2}[a-z]\d{3}[a-z](?![\w-])"),
          codice_fiscale_valid, hint=re.compile(r"\d{2}[A-Za-z]\d{2}[A-Za-z]\d{3}[A-Za-z]")),
    _Rule("brazil_cpf", re.compile(r"\d(?<![\w.-]\d)\d{2}\.\d{3}\.\d{3}-\d{2}(?![\w-]|\.\d)"), _digits_valid(cpf_valid)),
    _Rule("brazil_cpf", re.compile(r"\d(?<![\w.-]\d)\d{10}(?![\w-]|\.\d)"), cpf_valid, ("CPF", "cpf")),
    _Rule("france_nir", re.compile(r"(?i)[12](?<![\w-][12]) \d{2} (?:0[1-9]|1[0-2]|[2-9]\d) (?:\d{2}|2[ab]) \d{3} \d{3} \d{2}(?![\w-])"),
          nir_valid),
    _Rule("france_nir", re.compile(r"(?i)[12](?<![\w-][12])\d{2}(?:0[1-9]|1[0-2]|[2-9]\d)(?:\d{2}|2[ab])\d{8}(?![\w-])"), nir_valid,
          ("NIR", "INSEE", "sécurité sociale", "securite sociale", "carte vitale")),
    _Rule("singapore_nric", re.compile(r"(?i)(?<![\w-])[stfg]\d{7}[a-z](?![\w-])"), nric_valid, hint=re.compile(r"\d{7}[A-Za-z]")),
    _Rule("canada_sin", re.compile(r"\d(?<![\w-]\d)\d{2}[ -]?\d{3}[ -]?\d{3}(?![\w-]|[.,]\d)"), _digits_valid(luhn_valid),
          ("SIN", "NAS", "social insurance", "numéro d'assurance sociale")),
    _Rule("india_aadhaar", re.compile(r"[2-9](?<![\w-][2-9])\d{3}[ -]?\d{4}[ -]?\d{4}(?![\w-]|[.,]\d)"), _digits_valid(verhoeff),
          ("UID", "UIDAI", "aadhaar", "aadhar", "आधार")),
    # PAN's fourth letter says whose it is (P a person, C a company, ...); it has no check digit.
    _Rule("india_pan", re.compile(r"(?<![\w-])[A-Z]{3}[ABCFGHLJPT][A-Z]\d{4}[A-Z](?![\w-])"), lambda value: True,
          ("PAN", "permanent account number", "income tax"), hint=re.compile(r"\d{4}[A-Z]")),
    _Rule("spain_dni", re.compile(r"(?i)(?<![\w-])(?:\d{8}|[xyz]\d{7})[ -]?[a-z](?![\w-])"), dni_valid,
          ("DNI", "NIE", "NIF", "dni", "documento nacional", "número de identidad", "numero de identidad"),
          hint=re.compile(r"\d{7}[ -]?[A-Za-z]")),
    _Rule("netherlands_bsn", re.compile(r"\d(?<![\w-]\d)\d{8}(?![\w-]|[.,]\d)"), _digits_valid(bsn_valid),
          ("BSN", "bsn", "burgerservicenummer", "sofinummer")),
    _Rule("uk_nino", re.compile(r"(?i)(?<![\w-])[a-z]{2} ?\d{2} ?\d{2} ?\d{2} ?[a-d](?![\w-])"), nino_valid,
          ("NINO", "NIN", "NI", "national insurance"), hint=re.compile(r"\d{2} ?\d{2} ?\d{2} ?[A-Da-d]")),
)
# Every number a rule without a cue finds holds one of these (a new rule's number must too): one
# digit-led pattern, scanned for in C, rules out nearly every text before those rules run.
# (Factored behind its first digit, the alternation is four times faster than written out.)
_UNCUED_HINT = re.compile(r"\d(?:\d{5}|\d{2}\.\d{3}\.| \d{2} \d{2} |\d[A-Za-z]\d{2}[A-Za-z]|\d{6}[A-Za-z])")
# Every rule's cue in two patterns, found once per text: acronyms as written ("SIN", "PAN", "NI":
# "sin", "pan" and "ni" are words), the other names in any case; and what each cue names.
_RULES_CUED_BY: dict[str, set[str]] = {}
for _rule in _RULES:
    for _word in _rule.cue:
        _RULES_CUED_BY.setdefault(_word if _word.isupper() else _word.lower(), set()).add(_rule.name)
_ACRONYMS = tuple(w for w in _RULES_CUED_BY if w.isupper())
_NAMES = tuple(w for w in _RULES_CUED_BY if not w.isupper())


def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))


_SHORT_NUMBER_NAMES = ("permanent account number", "income tax", "national insurance")
_ACRONYM_CUE = re.compile(rf"\b(?:{_alternation(_ACRONYMS)})\b")
_NAME_CUE = Caseless(re.compile(rf"(?i)\b(?:{_alternation(_NAMES)})\b"))


def _cues(text: str, lower: str) -> list[tuple[int, int, set[str]]]:
    """Where a cue stands and which rules it is the cue of; substring tests in C first (map over a
    bound method, no Python frame per word), since nearly every text holds none."""
    out = []
    if any(map(text.__contains__, _ACRONYMS)):
        out.extend((m.start(), m.end(), _RULES_CUED_BY[m.group()]) for m in _ACRONYM_CUE.finditer(text))
    if any(map(lower.__contains__, _NAMES)):
        # The match may come from the lowercased text (caseless.py): looked up lowercased.
        out.extend((m.start(), m.end(), _RULES_CUED_BY[m.group().lower()])
                   for m in _NAME_CUE.finditer(text, lowered=lower if text.isascii() else None))
    return out


def national_ids_possible_with_few_digits(text: str, lower: str) -> bool:
    """Whether a text with fewer than seven digits can hold a number: only India's PAN (four
    digits) and the UK's National Insurance number (six) are that short, and both need their name."""
    return "PAN" in text or "NI" in text or any(map(lower.__contains__, _SHORT_NUMBER_NAMES))


def national_ids(text: str, lower: str | None = None) -> list[Finding]:
    """`lower`: `text.lower()`, if made."""
    found: list[Finding] = []
    # Cues first: finding them costs less than running the patterns that need one, nearly every
    # text holds none, and a pattern whose cue is nowhere in the text cannot count.
    cues = _cues(text, text.lower() if lower is None else lower)
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
