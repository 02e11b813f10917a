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

from data_assets.compliance.findings import Finding
from data_assets.compliance.national_ids import NUMBER_JOINT, id_pattern

_ACCOUNT_NAMES = (
    r"\baccount|\bacct\.?|\ba/c|\bkonto(?:nummer|-?nr\.?)?|\bnuméro[ \t]+de[ \t]+compte|\bn°[ \t]+de[ \t]+compte|"
    r"\bnúmero[ \t]+de[ \t]+(?:cuenta|conta)|\bconto(?:[ \t]+corrente)?|\brekening(?:nummer)?|\bkontonr\.?|"
    r"счёт|счет|номер[ \t]+счета|账号|帐号|账户|口座番号|계좌번호|계좌"
)
# Six to eighteen digits, single spaces or hyphens between groups ("0042-7781-23", "12 3456 7890").
_ACCOUNT = id_pattern(rf"(?i:{_ACCOUNT_NAMES}){NUMBER_JOINT}(?P<value>(?<![\w-])\d(?:[ -]?\d){{5,17}}(?![\w-]|[.,]\d))")
# The numbers of a person's records elsewhere, which HIPAA lists beside account numbers among the
# identifiers to remove: a medical record, a health plan's or an insurer's member, a customer.
# They hold letters as often as not ("MRN A0048291"), so the code is capitals and digits, at
# least five of them digits.
_RECORD_NAMES = (
    r"\bmrn|\bmedical[ \t]+record(?:[ \t]+(?:number|no\.?|#))?|\bpatient[ \t]+(?:id|number|no\.?)|\bhospital[ \t]+number|"
    r"\bmember(?:ship)?[ \t]+(?:id|number|no\.?)|\bsubscriber[ \t]+(?:id|number)|\bbeneficiary[ \t]+(?:id|number)|"
    r"\bhealth[ \t]+plan[ \t]+(?:id|number)|\binsurance[ \t]+(?:id|number|no\.?)|\bpolicy[ \t]+(?:number|no\.?)|"
    r"\bcustomer[ \t]+(?:id|number|no\.?)|\bclient[ \t]+(?:id|number|no\.?)|\bversichertennummer|\bpatientennummer"
)
_RECORD = id_pattern(rf"(?i:{_RECORD_NAMES}){NUMBER_JOINT}(?P<value>(?<![\w-])(?=(?:[A-Z-]*\d){{5}})"
                     rf"[A-Z0-9](?:[A-Z0-9]|-(?=[A-Z0-9])){{4,19}}(?![\w-]))")
# Substrings every name holds one of, tested in C before the patterns run.
ACCOUNT_WORDS = ("account", "acct", "a/c", "konto", "compte", "cuenta", "conta", "conto", "rekening", "счёт", "счет",
                 "账号", "帐号", "账户", "口座番号", "계좌")
RECORD_WORDS = ("mrn", "medical record", "patient", "hospital number", "member", "subscriber", "beneficiary", "health plan",
                "insurance", "policy", "customer", "client", "versichertennummer")


def account_numbers(text: str, lower: str | None = None) -> list[Finding]:
    """Account and record numbers given as such. `lower`: `text.lower()`, if made."""
    lower = text.lower() if lower is None else lower
    found = []
    if any(map(lower.__contains__, ACCOUNT_WORDS)):
        found.extend(Finding(m.start("value"), m.end("value"), "ACCOUNT_NUMBER", "account_number", 0.85) for m in _ACCOUNT.finditer(text))
    if any(map(lower.__contains__, RECORD_WORDS)):
        found.extend(Finding(m.start("value"), m.end("value"), "ACCOUNT_NUMBER", "record_number", 0.85) for m in _RECORD.finditer(text)
                     if not any(f.start < m.end("value") and m.start("value") < f.end for f in found))
    return found
