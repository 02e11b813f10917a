"""Account numbers a text gives as such: "account number: 12345678", "acct # 0042-7781-23",
"Kontonummer 1234567890", "口座番号 1234567".

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
# Substrings every name holds one of, tested in C before the pattern runs.
ACCOUNT_WORDS = ("account", "acct", "a/c", "konto", "compte", "cuenta", "conta", "conto", "rekening", "счёт", "счет",
                 "账号", "帐号", "账户", "口座番号", "계좌")


def account_numbers(text: str, lower: str | None = None) -> list[Finding]:
    """`lower`: `text.lower()`, if made."""
    lower = text.lower() if lower is None else lower
    if not any(map(lower.__contains__, ACCOUNT_WORDS)):
        return []
    return [Finding(m.start("value"), m.end("value"), "ACCOUNT_NUMBER", "account_number", 0.85) for m in _ACCOUNT.finditer(text)]
