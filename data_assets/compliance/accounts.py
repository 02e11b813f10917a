"""Account and record numbers a text gives as such: "account number: 12345678", "acct # 0042-7781-23",
"Kontonummer 1234567890", "口座番号 1234567", "MRN 00482913", "Member ID: XJH4471902".

Outside the IBAN (which has its own check, `structured.ibans`), a bank or customer account number
is a run of digits of no fixed length and no check digit a text can be tested against: six to
eighteen digits are many things. So a number counts only right after an account's name, joined to
it by the words that introduce a number ("account number is", "A/C No.:"), as the identity
documents of `national_ids.py` do. A routing number, a sort code or a branch code names a bank's
branch, not anyone's account, and is not looked for.
"""

from __future__ import annotations

import re

from data_assets.compliance.findings import Finding, overlaps_any
from data_assets.compliance.national_ids import NUMBER_JOINT, id_pattern, named_matches

# Each name opens with one of its kind's stems, so the pattern is tried only where a stem stands
# ("numéro de compte" is read from "compte", "номер счета" from "счета").
_ACCOUNT_NAMES = (
    r"account|acct\.?|a/c|konto(?:nummer|-?nr\.?)?|kontonr\.?|compte|cuenta|conta|conto(?:[ \t]+corrente)?|rekening(?:nummer)?|"
    r"сч[её]та?|账号|帐号|账户|口座番号|계좌번호|계좌"
)
_ACCOUNT_STEMS = ("acc", "a/c", "kont", "compte", "cuenta", "cont", "rekening", "сч", "账号", "帐号", "账户", "口座番号", "계좌")
# Six to eighteen digits, single spaces or hyphens between groups ("0042-7781-23", "12 3456 7890").
_ACCOUNT = id_pattern(rf"(?i:{_ACCOUNT_NAMES}){NUMBER_JOINT}(?P<value>(?<![\w-])\d(?:[ -]?\d){{5,17}}(?![\w-]|[.,]\d))")
# The numbers of a person's records elsewhere, which HIPAA lists beside account numbers among the
# identifiers to remove: a medical record, a health plan's or an insurer's member, a customer.
# They hold letters as often as not ("MRN A0048291"), so the code is capitals and digits, at
# least five of them digits.
_RECORD_NAMES = (
    r"mrn|medical[ \t]+record(?:[ \t]+(?:number|no\.?|#))?|patient(?:[ \t]+(?:id|number|no\.?)|ennummer)|hospital[ \t]+number|"
    r"member(?:ship)?[ \t]+(?:id|number|no\.?)|subscriber[ \t]+(?:id|number)|beneficiary[ \t]+(?:id|number)|"
    r"health[ \t]+plan[ \t]+(?:id|number)|insurance[ \t]+(?:id|number|no\.?)|policy[ \t]+(?:number|no\.?)|"
    r"customer[ \t]+(?:id|number|no\.?)|client[ \t]+(?:id|number|no\.?)|versichertennummer"
)
_RECORD_STEMS = ("mrn", "medical", "patient", "hospital", "member", "subscriber", "beneficiary", "health", "insurance", "policy",
                 "customer", "client", "versicherten")
_RECORD = id_pattern(rf"(?i:{_RECORD_NAMES}){NUMBER_JOINT}(?P<value>(?<![\w-])(?=(?:[A-Z-]*\d){{5}})"
                     rf"[A-Z0-9](?:[A-Z0-9]|-(?=[A-Z0-9])){{4,19}}(?![\w-]))")
_KINDS = (("account_number", _ACCOUNT_STEMS, _ACCOUNT), ("record_number", _RECORD_STEMS, _RECORD))
# A value holds a run of four digits, or groups of them: a text without one holds none.
_FOUR_DIGITS = re.compile(r"\d{4}")


def account_numbers(text: str, lower: str | None = None) -> list[Finding]:
    """Account and record numbers given as such. `lower`: `text.lower()`, if made."""
    if _FOUR_DIGITS.search(text) is None:
        return []
    lower = text.lower() if lower is None else lower
    found: list[Finding] = []
    for detector, stems, pattern in _KINDS:
        for m in named_matches(text, lower, stems, pattern):
            finding = Finding(m.start("value"), m.end("value"), "ACCOUNT_NUMBER", detector, 0.85)
            if not overlaps_any(finding, found):
                found.append(finding)
    return found
