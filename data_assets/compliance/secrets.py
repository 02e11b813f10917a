"""Credentials: provider API keys, private key blocks, JWTs, bearer tokens, `password=` style
assignments.

Provider keys have fixed prefixes, so their patterns are precise; assignments and bearer
tokens report only the value (the span after `=` or `Bearer`), which keeps the readable
part of the text ("password=[SECRET]").
"""

from __future__ import annotations

import re

from data_assets.compliance.caseless import Caseless
from data_assets.compliance.findings import Finding

# The lookahead holds the first letter of every key below (a new key's first letter goes there
# too): without it every position of the text was tried against all the alternatives. Every key
# also holds one of `_PROVIDER_KEY_MARKS` (so must a new one): substring tests, in C, rule out
# nearly every text before the pattern runs.
_PROVIDER_KEY_MARKS = ("sk-", "xox", "_", "AKIA", "ASIA", "AIza", "eyJ")
_PROVIDER_KEYS = re.compile(
    r"(?=[sAgxrhe])(?<![\w-])(?:"
    r"(?P<anthropic>sk-ant-[A-Za-z0-9_-]{16,})"
    r"|(?P<openai>sk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,})"
    r"|(?P<aws>(?:AKIA|ASIA)[0-9A-Z]{16})"
    r"|(?P<github>(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}))"
    r"|(?P<slack>xox[abposr]-[A-Za-z0-9-]{10,})"
    r"|(?P<google>AIza[0-9A-Za-z_-]{35})"
    r"|(?P<stripe>(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,})"
    r"|(?P<huggingface>hf_[A-Za-z0-9]{30,})"
    r"|(?P<jwt>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"
    r")(?![\w-])"
)
# A block without its END line (a truncated paste) is still a key: it runs to the end of the text.
_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|.*\Z)",
    re.DOTALL,
)
_BEARER = re.compile(r"(?i)\bbearer\s+([A-Za-z0-9._~+/-]{16,}=*)")
_ASSIGNMENT = re.compile(
    r"(?i)(?<![\w])(?:[\w.-]*[_.-])?(?:password|passwd|pwd|passphrase|secret|secret[_-]?key|api[_-]?key|apikey|"
    r"access[_-]?key|auth[_-]?token|access[_-]?token|token|client[_-]?secret|private[_-]?key)"
    r"[\"']?\s*(?::=|=>|[:=])\s*(?P<q>[\"']?)(?P<value>[^\s\"'`,;(){}\[\]<>]{4,})(?P=q)(?![(\w])"
)
# Values that name a secret instead of being one: placeholders, variables, obvious dummies.
_NOT_A_VALUE = re.compile(
    r"(?i)^(?:\*+|x+|\.+|none|null|nil|true|false|undefined|required|optional|string|str|"
    r"password|secret|changeme|example|your[_-].*|my[_-].*|\$.*|%.*|os\.environ.*|env\..*|process\.env.*|getenv.*|"
    r"self\..*|config\..*|settings\..*|args\..*|request\..*)$"
)


# Every assignment holds one of these words and a ":" or "=": substring tests, in C, rule out most
# texts before the pattern, which tries every word start, runs.
_ASSIGNMENT_WORDS = ("pass", "pwd", "secret", "key", "token")
_ASSIGNMENT = Caseless(_ASSIGNMENT)  # the same spans, faster on ASCII text (see caseless.py)


def secrets(text: str) -> list[Finding]:
    found: list[Finding] = []
    if "-----BEGIN" in text:
        for m in _PRIVATE_KEY.finditer(text):
            found.append(Finding(m.start(), m.end(), "PRIVATE_KEY", "private_key_block", 0.99))
    for m in _PROVIDER_KEYS.finditer(text) if any(mark in text for mark in _PROVIDER_KEY_MARKS) else ():
        kind = m.lastgroup or "api_key"
        found.append(Finding(m.start(), m.end(), "SECRET", f"{kind}_key" if kind != "jwt" else "jwt", 0.95))
    lower = text.lower()
    if "bearer" in lower:
        for m in _BEARER.finditer(text):
            found.append(Finding(m.start(1), m.end(1), "SECRET", "bearer_token", 0.85))
    if not any(word in lower for word in _ASSIGNMENT_WORDS) or ("=" not in text and ":" not in text):
        return found
    for m in _ASSIGNMENT.finditer(text):
        value = text[m.start("value"):m.end("value")]  # as written: the match may come from the lowercased text
        if _NOT_A_VALUE.match(value):
            continue
        # Mixed letters and digits or symbols look like a credential; a plain word less so.
        score = 0.85 if (any(c.isdigit() for c in value) or not value.isalpha()) else 0.7
        found.append(Finding(m.start("value"), m.end("value"), "SECRET", "password_assignment", score))
    return found
