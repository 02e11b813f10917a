"""Credentials: provider API keys, private key blocks, JWTs, bearer tokens, `password=` style
assignments, passwords and keys stated in prose ("my password is ..."), and the password of a
URL's user part (`postgres://admin:...@db`).

Provider keys have fixed prefixes, so their patterns are precise; assignments and bearer
tokens report only the value (the span after `=` or `Bearer`), which keeps the readable
part of the text ("password=[SECRET]").
"""

from __future__ import annotations

import re

from data_assets.compliance.caseless import Caseless
from data_assets.compliance.findings import Finding
from data_assets.compliance.tokens import CJK_LETTERS

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
    # The value stops at the opaque character a placeholder reads as to the detectors: after
    # "Password: [SECRET_1]" the placeholder is no password of its own (the re-scan found one,
    # and dropped every record whose password it had just redacted).
    # The value is taken whole (a possessive run): "tokenizer.encode(text)" or "tokens[0]" is code
    # that calls or indexes something, not "tokenizer" or "tokens" as a password.
    r"[\"']?\s*(?P<op>:=|=>|[:=])\s*(?P<q>[\"']?)(?P<value>[^\s\"'`,;(){}\[\]<>\x00]{4,}+)(?P=q)(?![(\w\[])"
)
# An unquoted name assigned in code ("token = next_token", "self.token = token"): a variable.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z_]*(?:\.[A-Za-z_][A-Za-z_]*)*\Z")
# Values that name a secret instead of being one: placeholders, variables, obvious dummies.
_NOT_A_VALUE = re.compile(
    r"(?i)^(?:\*+|x+|\.+|none|null|nil|true|false|undefined|required|optional|string|str|"
    r"password|secret|changeme|example|your[_-].*|my[_-].*|\$.*|%.*|os\.environ.*|env\..*|process\.env.*|getenv.*|"
    r"self\..*|config\..*|settings\..*|args\..*|request\..*)$"
)


_ASSIGNMENT = Caseless(_ASSIGNMENT)  # the same spans, faster on ASCII text (see caseless.py)

# A credential stated in prose: "my password is Tr0ub4dor&3", "the wifi password: sunflower42",
# "PIN is 4921", "use the api key 3f9a8c…". Only the word and how it is joined to the next one
# are matched here; whether that next word is a credential is `_stated_value`'s to say, so "the
# password is required" or "a token of thanks" are none.
_STATED = re.compile(
    r"(?i)(?=[pwaslbtc])\b(?:(?P<pin>pin(?:[ -]?code| number)?|passcode)"
    # A card's security code: three or four digits ("CVV 123", "security code: 4821").
    r"|(?P<cvv>cvv2?|cvc2?|csc|(?:card )?security code)"
    r"|(?P<password>password|passwd|passphrase|pw|wi-?fi key)"
    r"|(?P<pass>pass)"
    r"|(?P<key>(?:api|access|secret|license|licence|product|auth|private)[ _-]?keys?|(?:access|auth|api|bearer|session) tokens?"
    r"|tokens?|secrets?))"
    r"(?P<joint>[ \t]*:[ \t]*|[ \t]+(?:(?:is|was|will be|would be|should be|is set to|set to|changed to|reset to|to)"
    r"(?:[ \t]+(?:now|still|just|simply))?[ \t]*:?[ \t]+)|[ \t]+)"
    r"(?P<value>[^\s\x00]{3,130})"
)
_STATED = Caseless(_STATED)  # the same spans, faster on ASCII text (see caseless.py)
# The same for a password in the other languages the word lists cover, Cyrillic and CJK: "mein
# Passwort ist Sonne123", "mot de passe : soleil42", "пароль: qwerty12", "密码：abc12345".
_PASSWORD_WORDS = ("passwort", "kennwort", "mot de passe", "contraseña", "contrasena", "clave", "senha", "wachtwoord",
                   "lösenord", "adgangskode", "salasana", "hasło", "heslo", "parola", "şifre", "пароль", "密码", "密碼",
                   "口令", "パスワード", "비밀번호")
_STATED_PASSWORD = re.compile(
    # After a CJK character too: those scripts put no space between words ("我的密码是…").
    rf"(?i)(?:(?<=[{CJK_LETTERS}])|(?<![^\W\d_]))(?:{'|'.join(_PASSWORD_WORDS)})"
    r"(?P<joint>[ \t]*:[ \t]*|[ \t]+(?:ist|lautet|est|es|é|er|är|on|jest|je|è|является)[ \t]*:?[ \t]+|[ \t]*(?:是|は|为|為|는|은)[ \t]*)"
    rf"(?P<value>[^\s\x00，。、{CJK_LETTERS}]{{4,130}})"
)
# Every assignment and every stated credential holds one of these (an assignment also a ":" or
# "="), or one of the password words of other languages: substring tests, in C, rule out most
# texts before the patterns, which try every word start. ASCII text can hold only the ASCII ones
# that hold no "pass" ("passwort" and "mot de passe" do).
_CREDENTIAL_WORDS = ("pass", "pw", "key", "token", "secret", "pin ", "pin:", "pin-", "cvv", "cvc", "csc", "security code")
_ASCII_PASSWORD_WORDS = tuple(w for w in _PASSWORD_WORDS if w.isascii() and "pass" not in w)
_QUOTES = "\"'“”‘’`"
# "_" is not one: "next_token" is an identifier.
_SYMBOLS = frozenset("!@#$%^&*+=?~|\\/<>")
# Token values: letters, digits and the few symbols keys are written with.
_KEY_VALUE = re.compile(r"[A-Za-z0-9_\-+/=.]{16,128}\Z")


def _stated_value(kind: str, joint: str, raw: str) -> tuple[int, int] | None:
    """Where in `raw` (the word after a credential word) the credential is, if it is one:
    quotes and a sentence's closing punctuation are not part of it."""
    quoted = raw[:1] in _QUOTES
    start = 1 if quoted else 0
    end = len(raw)
    while end > start and raw[end - 1] in _QUOTES + ".,;:!?)]}":
        end -= 1
    value = raw[start:end]
    if kind == "cvv":
        return (start, end) if value.isdigit() and len(value) in (3, 4) else None
    if len(value) < 4 or _NOT_A_VALUE.match(value):
        return None
    letters = any(c.isalpha() for c in value)
    digits = any(c.isdigit() for c in value)
    if kind == "pin":
        return (start, end) if value.isdigit() and len(value) <= 8 else None
    if kind == "key":
        return (start, end) if letters and digits and _KEY_VALUE.match(value) else None
    if kind == "pass" and not joint.strip().endswith(":"):
        return None  # "pass the salt", "pass 4 exams": only "pass: ..." states one
    if any(c in "([{" for c in value):
        return None  # code: "password: hash(raw)"
    symbols = any(c in _SYMBOLS for c in value)
    if len(value) < 6 and not (quoted and letters):
        return None
    # Letters with digits or symbols, only digits, or a word set in quotes ('the password is
    # "bluebird"'): a password. A plain word ("required", "case-sensitive") is what a text says of one.
    return (start, end) if (letters and (digits or symbols)) or value.isdigit() or quoted else None


def stated_secrets(text: str, lower: str | None = None) -> list[Finding]:
    """Passwords, PINs and keys a sentence states (see `_STATED`); `lower`: `text.lower()`, if made."""
    found: list[Finding] = []
    lower = text.lower() if lower is None else lower

    def keep(m: re.Match[str], kind: str) -> None:
        start = m.start("value")
        # As written: the match may come from the lowercased text.
        span = _stated_value(kind, m.group("joint"), text[start:m.end("value")])
        if span is not None:
            found.append(Finding(start + span[0], start + span[1], "SECRET", "stated_secret", 0.8))

    if any(word in lower for word in _PASSWORD_WORDS):
        for m in _STATED_PASSWORD.finditer(text):
            keep(m, "password")
    for m in _STATED.finditer(text, lowered=lower):
        keep(m, next(k for k in ("pin", "cvv", "password", "pass", "key") if m.group(k)))
    return found


# The password of a URL's user part: "postgres://admin:Sup3rS3cret@db.example.com:5432/app".
_URL_PASSWORD = re.compile(r"(?i)\b[a-z][a-z0-9+.-]{1,15}://[^\s:/@\x00]{1,64}:(?P<password>[^\s:/@\x00]{1,128})@[^\s@\x00]")


# A password on a command line: MySQL's clients take it glued to -p ("mysql -u root -pS3cret"; a
# bare -p asks for it), sshpass after -p ("sshpass -p 'hunter22' ssh ..."). Quotes are not part of it.
_CLI_PASSWORD = re.compile(
    r"\b(?:(?:mysql(?:dump|admin|import|show|check|slap)?|mariadb(?:-dump|-admin)?)\b[^\n\x00|;&]*?[ \t]-p"
    r"|sshpass[ \t]+(?:-[a-oq-z][ \t]+)*-p[ \t]*)"
    r"(?P<q>[\"']?)(?P<value>[^\s\"'\x00;&|]{3,128})(?P=q)(?![^\s;&|])"
)


def secrets(text: str) -> list[Finding]:
    found: list[Finding] = []
    if "-----BEGIN" in text:
        for m in _PRIVATE_KEY.finditer(text):
            found.append(Finding(m.start(), m.end(), "PRIVATE_KEY", "private_key_block", 0.99))
    for m in _PROVIDER_KEYS.finditer(text) if any(mark in text for mark in _PROVIDER_KEY_MARKS) else ():
        kind = m.lastgroup or "api_key"
        found.append(Finding(m.start(), m.end(), "SECRET", f"{kind}_key" if kind != "jwt" else "jwt", 0.95))
    if "://" in text and "@" in text:
        for m in _URL_PASSWORD.finditer(text):
            found.append(Finding(m.start("password"), m.end("password"), "SECRET", "url_password", 0.96))
    lower = text.lower()
    if "mysql" in lower or "mariadb" in lower or "sshpass" in lower:
        for m in _CLI_PASSWORD.finditer(text):
            if not _NOT_A_VALUE.match(m.group("value")):
                found.append(Finding(m.start("value"), m.end("value"), "SECRET", "command_line_password", 0.9))
    if "bearer" in lower:
        for m in _BEARER.finditer(text):
            found.append(Finding(m.start(1), m.end(1), "SECRET", "bearer_token", 0.85))
    if not any(word in lower for word in _CREDENTIAL_WORDS) and not any(
            word in lower for word in (_ASCII_PASSWORD_WORDS if text.isascii() else _PASSWORD_WORDS)):
        return found
    found.extend(stated_secrets(text, lower))
    if "=" not in text and ":" not in text:
        return found
    for m in _ASSIGNMENT.finditer(text, lowered=lower):
        value = text[m.start("value"):m.end("value")]  # as written: the match may come from the lowercased text
        if _NOT_A_VALUE.match(value) or (not m.group("q") and m.group("op") != ":" and _IDENTIFIER.match(value)):
            continue
        # Mixed letters and digits or symbols look like a credential; a plain word less so.
        score = 0.85 if (any(c.isdigit() for c in value) or not value.isalpha()) else 0.7
        found.append(Finding(m.start("value"), m.end("value"), "SECRET", "password_assignment", score))
    return found
