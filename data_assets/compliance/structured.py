"""Structured identifiers: e-mail, phone, payment card, IBAN, US SSN, IP address, URL/domain,
social handles; other countries' identity numbers are `national_ids.py`.

Each type is one compiled pattern run once over the text; a validator (Luhn, IBAN mod-97,
SSN number ranges, `ipaddress`) or nearby context words then decide the score. Patterns
look for candidates generously and validators cut them down, because a missed card number
is worse than a regex that tries a few extra digit runs.
"""

from __future__ import annotations

import ipaddress
import math
import re

from data_assets.compliance.accounts import account_numbers
from data_assets.compliance.caseless import Caseless
from data_assets.compliance.findings import Finding, overlaps_any, without_overlaps
from data_assets.compliance.lexicons import words
from data_assets.compliance.national_ids import (CONTEXT_CHARS, luhn_valid, national_ids, national_ids_possible_with_few_digits,
                                                 real_date)
from data_assets.compliance.tokens import CJK_LETTERS
from data_assets.compliance.vehicles import vehicle_ids

# Context windows: how far before a match a cue word still counts.
_CONTEXT_CHARS = CONTEXT_CHARS


def _context(text: str, start: int, end: int, pattern: re.Pattern[str], after: int = 16) -> bool:
    return bool(pattern.search(text, max(0, start - _CONTEXT_CHARS), start)) or bool(
        pattern.search(text, end, min(len(text), end + after))
    )


# ---------------------------------------------------------------- e-mail
# An apostrophe between letters belongs to the local part ("o'brien@example.ie"); one in front of
# the address is a quote.
_EMAIL = re.compile(
    r"(?<![\w.%+-])(?:[\w.%+-]|(?<=\w)'(?=\w)){1,64}@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,24}(?![\w-])",
)
# A URL's user part ("postgres://admin:s3cret@db.example.com"): what precedes the "@" is a user
# and a password (`secrets.py`), not an e-mail address.
_URL_USER_PART = re.compile(r"://[^\s/@]*:?\Z")


# The scale suffix of an image asset ("icon@2x.png", "logo@3x.webp"), not a domain.
_ASSET_SCALE = re.compile(r"@\dx\.")


def emails(text: str) -> list[Finding]:
    return [Finding(m.start(), m.end(), "EMAIL", "email", 0.95) for m in _EMAIL.finditer(text)
            if not ("://" in text and _URL_USER_PART.search(text, max(0, m.start() - 80), m.start()))
            and not _ASSET_SCALE.search(m.group())]


# An address written out to get past scrapers: "john [at] example [dot] com", "j.doe(at)mail.de",
# "jane dot doe at example dot org". A bracketed "at" says so on its own; the bare words need a
# spelled-out "dot" as well, a local part that is not only everyday words and a domain that starts
# no phrase ("look at the dot com bubble", "find us at example dot com" are no addresses), and
# every form a listed top-level domain at the end.
_SPELLED_AT = r"(?:[ \t]*[\[({<][ \t]*(?:at|@)[ \t]*[\])}>][ \t]*|[ \t]+at[ \t]+)"
_SPELLED_DOT = r"(?:[ \t]*[\[({<][ \t]*(?:dot|\.)[ \t]*[\])}>][ \t]*|[ \t]+dot[ \t]+|\.)"
_SPELLED_EMAIL = re.compile(
    rf"(?i)(?<![\w.@])(?P<local>[\w%+-]+(?:{_SPELLED_DOT}[\w%+-]+)*)(?P<at>{_SPELLED_AT})"
    rf"(?P<domain>[^\W_][\w-]*(?:{_SPELLED_DOT}[^\W_][\w-]*)*?){_SPELLED_DOT}(?P<tld>[a-z]{{2,24}})(?![\w@-])"
)
_BRACKETED = re.compile(r"[\[({<]")
# A dot written as a word or in brackets, which the bare "at" form needs after its local part.
_DOT_SPELLED_OUT = re.compile(r"(?i)[ \t]dot[ \t]|[\[({<]")
_SPELLED_WORD = re.compile(r"(?i)[^\w%+-]+|\b(?:dot|at)\b")
_ORDINARY = words("ordinary_words")
# Words after "at" that start a phrase, not a domain ("at the dot com peak", "at home dot ...").
_NO_DOMAIN = frozenset("the a an my your our his her their its this that these those home work school least most all "
                       "first last once night noon dawn".split())


def spelled_emails(text: str) -> list[Finding]:
    """E-mail addresses with "at" and "dot" written out (see `_SPELLED_EMAIL`)."""
    found = []
    for m in _SPELLED_EMAIL.finditer(text):
        if m.group("tld").lower() not in _TLD_SET:
            continue
        if _BRACKETED.search(m.group("at")):
            found.append(Finding(m.start(), m.end(), "EMAIL", "email_spelled", 0.9))
            continue
        spelled_dot = _DOT_SPELLED_OUT.search(text, m.end("local"), m.end())
        local = [w.lower() for w in _SPELLED_WORD.split(m.group("local")) if w]
        domain = [w.lower() for w in _SPELLED_WORD.split(m.group("domain")) if w]
        if spelled_dot and not all(w in _ORDINARY for w in local) and domain and domain[0] not in _NO_DOMAIN:
            found.append(Finding(m.start(), m.end(), "EMAIL", "email_spelled", 0.75))
    return found


# An address spaced out letter by letter ("j o h n @ e x a m p l e . c o m") or with spaces around
# its "@" and dots ("maria.lopez @ gmail . com"). Each part is one word or single characters each
# after one space (or a dot), so the words around the address stay out of it; a spaced dot has a
# space on both sides ("work. It" ends a sentence). With its spaces taken out, the address must
# be one `emails` would find, ending in a listed top-level domain.
_SPACED_LABEL = r"(?:[^\W_](?![\w-])(?:[ \t][\w-](?![\w-]))+|[^\W_][\w-]*)"
_SPACED_EMAIL = re.compile(
    r"(?<![\w.%+'’-])(?:[\w%+-](?![\w%+-])(?:(?:[ \t]|[ \t]?\.[ \t]?)[\w%+-](?![\w%+-]))+|[\w.%+-]+)[ \t]?@[ \t]?"
    rf"{_SPACED_LABEL}(?:(?:\.|[ \t]\.[ \t]){_SPACED_LABEL})+(?![\w-])"
)


def spaced_emails(text: str) -> list[Finding]:
    found = []
    for m in _SPACED_EMAIL.finditer(text):
        value = m.group()
        compact = value.replace(" ", "").replace("\t", "")
        tld = compact.rsplit(".", 1)[1]
        # A capital after a spaced dot starts a sentence ("I'm @ home . Com is short for ...").
        if compact != value and _EMAIL.fullmatch(compact) and tld.lower() in _TLD_SET and (tld.islower() or tld.isupper()):
            found.append(Finding(m.start(), m.end(), "EMAIL", "email_spaced", 0.85))
    return found


# ---------------------------------------------------------------- dates of birth
# A date labelled as someone's date of birth ("DOB: 14/02/1981", "Date of birth - 3 March 1975",
# "Geburtsdatum: 12.05.1990"), as forms and records write it. A birth date told in prose ("Einstein
# was born on 14 March 1879") is what biographies and history are made of, and stays; the writer's
# own ("I was born on ...") is theirs.
_MONTHS = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
           r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_BIRTH_DATE = re.compile(
    r"(?i)\b(?:dob|d\.o\.b\.?|date[ _-]of[ _-]birth|birth[ _-]?date|(?:my|his|her|your|their)[ \t]+birthday|geburtsdatum|geb\.|fecha de nacimiento|"
    r"date de naissance|data di nascita|data de nascimento|geboortedatum|födelsedatum|fødselsdato|syntymäaika|"
    r"data urodzenia|datum narození|"
    # The writer's own birth or their family's, told as such ("I was born on 3 May 1990", "my son was
    # born on 2 June 2015"); someone else's in prose stays, as does an infobox's "Born:" (biographies).
    r"(?:i|we)[ \t]+(?:was|were)[ \t]+born(?:[ \t]+on)?|"
    r"my[ \t]+(?:son|daughter|child|baby|wife|husband|partner|mother|father|mum|mom|dad|brother|sister)[ \t]+was[ \t]+born(?:[ \t]+on)?)"
    # The label and the date as prose, a form or a record's field write them ("dob": "1988-02-14").
    r"(?:[ \t]+is)?[\"']?[ \t]*[:=-]?[ \t]*[\"']?"
    rf"(?P<date>\d{{1,2}}[./-]\d{{1,2}}[./-](?:\d{{4}}|\d{{2}})|\d{{4}}[./-]\d{{1,2}}[./-]\d{{1,2}}|"
    rf"\d{{1,2}}(?:st|nd|rd|th)?\.?[ \t]+(?:{_MONTHS})\.?,?[ \t]+\d{{4}}|(?:{_MONTHS})\.?[ \t]+\d{{1,2}}(?:st|nd|rd|th)?,?[ \t]+\d{{4}})"
    r"(?![\w/.-]\d|\d)"
)
_BIRTH_WORDS = ("dob", "d.o.b", "birth", "born", "geburt", "geb.", "nacimiento", "naissance", "nascita", "nascimento", "geboorte",
                "födelse", "fødsel", "syntymä", "urodzenia", "narození")


def _a_date(value: str) -> bool:
    """Whether `value` names a real day: numeric forms read day first or month first, two-digit
    years in either century ("1990-13-45" is none)."""
    numbers = [int(n) for n in re.findall(r"\d+", value)]
    if len(numbers) != 3 or not value[:1].isdigit() or any(c.isalpha() for c in value):
        return True  # a month written out: the pattern already holds its day and year
    first, second, third = numbers
    readings = [(first, second, third)] if first > 31 else [(third, second, first), (third, first, second)]
    for year, month, day in readings:
        year = year + (1900 if year >= 30 else 2000) if year < 100 else year
        if real_date(year, month, day):
            return True
    return False


def birth_dates(text: str, lower: str) -> list[Finding]:
    if not any(map(lower.__contains__, _BIRTH_WORDS)):
        return []
    return [Finding(m.start("date"), m.end("date"), "DATE_OF_BIRTH", "birth_date", 0.9) for m in _BIRTH_DATE.finditer(text)
            if _a_date(m.group("date"))]


# ---------------------------------------------------------------- social handles and usernames
# A handle as social networks write it ("@maria_lopez84", "u/quietfox"), or a username a text gives
# ("my username is jdoe_84"). "@" also opens what is no one: decorators and annotations
# ("@property", "@Override" on their own line, "@app.route(...)"), CSS at-rules, doc tags
# ("@param"), package scopes ("@angular/core"), channel mentions ("@here") and "@ home". So a
# handle counts where a network or a handle is named near it, or where it is shaped like no word
# (digits or an underscore: "@MelanieLynd11", "@maria_lopez84") and is no decorator on its own line.
# A capital inside is not enough: "@GetMapping" and "@SpringBootTest" are annotations written in prose.
# A handle opens with a letter or an underscore: "@5pm" and "@3.50" are a time and a price.
_HANDLE = re.compile(r"(?<![\w.@/+-])@(?P<handle>[A-Za-z_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)(?![\w@(/-]|\.\w)")
_REDDIT_USER = re.compile(r"(?<![\w/])/?u/(?P<handle>[A-Za-z0-9_-]{3,20})(?![\w/-])")
_HANDLE_CUE = re.compile(
    r"(?i)\b(?:twitter|tweet(?:ed|s)?|x\.com|instagram|insta|ig|tiktok|threads|mastodon|bluesky|telegram|snapchat|"
    r"youtube|twitch|github|gitlab|reddit|discord|linkedin|facebook|follow(?:ed|ing)?|dm|dms|handle|username|"
    r"user name|account|mention(?:ed)?|tag(?:ged)?|reply|replied)\b"
)
# Words after "@" that name a channel, a rule, a tag or an annotation, never someone.
_NOT_HANDLES = frozenset(
    "here channel everyone all everybody team admin admins mods moderators param params return returns throws "
    "type typedef property example see since deprecated author version override todo test media import keyframes "
    "supports charset page namespace layer container tailwind apply font interface implementation end protocol "
    "synthesize dynamic selector staticmethod classmethod dataclass inject component".split()
)
# Every stated username's label holds one of these (a new label must too): substring tests in C.
_USERNAME_WORDS = ("username", "user name", "handle", "login", "screen", "gamertag", "user=", "user:", "user_", "userid")
# A username as a log line or a config writes it: `user=jdoe42`, `username: maria.lopez`, `login="k.mensah"`.
_USERNAME_FIELD = re.compile(
    r"(?i)(?<![\w-])(?:user(?:[_-]?name)?|login|user[_-]?id|uid)[\"']?[ \t]*[=:][ \t]*[\"']?(?P<handle>[A-Za-z][A-Za-z0-9_.-]{2,30})"
    r"(?<![.-])(?![\w@-])"
)
# "v1.2.3", "gpt-4.0": a version or a model's name, not anyone's login.
_VERSION_LIKE = re.compile(r"\d\.\d|^v\d")
# Accounts a system creates, not a person's.
_SYSTEM_USERS = frozenset("root admin administrator guest nobody daemon system postgres mysql www-data ubuntu ec2-user "
                          "deploy jenkins git test user anonymous service".split())
_STATED_USERNAME = re.compile(
    r"(?i)\b(?:my|his|her|their|your)[ \t]+(?:user[ \t]?name|handle|login|screen[ \t]?name|gamertag)"
    r"(?:[ \t]+is|[ \t]*:)[ \t]*@?(?P<handle>[A-Za-z0-9_.-]{3,30})(?<![.-])"
)


def usernames(text: str, lower: str) -> list[Finding]:
    found: list[Finding] = []
    if "@" in text:
        for m in _HANDLE.finditer(text):
            handle = m.group("handle")
            line_start = text.rfind("\n", 0, m.start()) + 1
            if not text[line_start:m.start()].strip() and (m.end() == len(text) or text[m.end()] in "\n("):
                continue  # a decorator or an annotation on its own line
            if handle.lower() in _NOT_HANDLES or (handle.startswith("__") and handle.endswith("__")):
                continue  # a tag, a channel, an annotation, a dunder name
            cue = _context(text, m.start(), m.end(), _HANDLE_CUE, after=24)
            shaped = any(c.isdigit() or c == "_" for c in handle)
            if cue or (shaped and handle.lower() not in _ORDINARY):
                found.append(Finding(m.start(), m.end(), "USERNAME", "social_handle", 0.85 if cue else 0.7))
    if "u/" in text:
        for m in _REDDIT_USER.finditer(text):
            found.append(Finding(m.start(), m.end(), "USERNAME", "social_handle", 0.8))
    if any(map(lower.__contains__, _USERNAME_WORDS)):
        for m in _STATED_USERNAME.finditer(text):
            handle = m.group("handle")
            # A name people are called by is a person's (names.py); a username holds a digit, an
            # underscore or a dot, or is given as a handle.
            if any(c.isdigit() or c in "_." for c in handle) or text[m.start("handle") - 1] == "@":
                found.append(Finding(m.start("handle") - (text[m.start("handle") - 1] == "@"), m.end("handle"), "USERNAME",
                                     "stated_username", 0.85))
        for m in _USERNAME_FIELD.finditer(text):
            handle = m.group("handle")
            # A person's login holds a digit, an underscore or a dot ("jdoe42", "maria.lopez"); "user=root"
            # and "user: admin" are the system's, and "user: Hello" is a chat transcript's speaker.
            if handle.lower() not in _SYSTEM_USERS and any(c.isdigit() or c in "_." for c in handle) and not _VERSION_LIKE.search(
                    handle) and not any(
                    f.start <= m.start("handle") < f.end for f in found):
                found.append(Finding(m.start("handle"), m.end("handle"), "USERNAME", "username_field", 0.8))
    return found


# ---------------------------------------------------------------- URL / domain
# Bare domains need a TLD from this list, so `e.g` or `file.txt` are not domains; a scheme or
# `www.` makes any TLD acceptable.
_TLDS = (
    "com|org|net|edu|gov|mil|int|info|biz|io|ai|co|app|dev|me|tv|xyz|online|site|tech|store|blog|cloud|"
    "uk|us|ca|au|nz|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|is|ie|pt|pl|cz|sk|hu|ro|bg|gr|cy|ee|lv|lt|si|hr|rs|ua|ru|"
    "tr|il|ae|sa|in|cn|jp|kr|tw|hk|sg|my|id|th|vn|ph|br|ar|cl|mx|pe|uy|za|ng|ke|eg|ma|eu|asia"
)
_TLD_SET = frozenset(_TLDS.split("|"))
_URL = re.compile(
    r"(?i)(?<![\w@.-])(?:"
    r"(?:https?|ftp)://[^\s<>\"'`]+"
    r"|www\.[^\s<>\"'`]+"
    rf"|(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{_TLDS})(?:/[^\s<>\"'`]*)?(?![\w@-]|\.\w)"
    r")"
)
_URL_TRAILING = ".,;:!?)]}'\""
# Every URL holds "://", "www." or a dot then a listed TLD; the last is one literal-led pattern,
# so three C-speed tests rule out nearly every text before the full pattern runs.
_DOT_TLD = Caseless(re.compile(rf"(?i)\.(?:{_TLDS})"))


def urls(text: str) -> list[Finding]:
    found: list[Finding] = []
    if "://" not in text and not _DOT_TLD.search(text) and "www." not in text.lower():
        return found
    for m in _URL.finditer(text):
        start, end = m.start(), m.end()
        while end > start and text[end - 1] in _URL_TRAILING:
            # A closing bracket belongs to the URL only when the URL opened one.
            if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
                break
            end -= 1
        value = text[start:end]
        has_scheme = "://" in value or value.lower().startswith("www.")
        # A domain directly followed by `@` is the local part of an address, not a site.
        if end < len(text) and text[end] == "@":
            continue
        found.append(Finding(start, end, "URL", "url", 0.9 if has_scheme else 0.6))
    return found


# ---------------------------------------------------------------- IP addresses
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?=\d)(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?![\w]|\.\d)")
# Three dotted digits ("1.22.3"), which every IPv4 address holds; led by a digit, so scanned for in C.
_IPV4_HINT = re.compile(r"\d\.\d{1,3}\.\d")
_IPV6 = re.compile(r"(?i)(?<![\w:.])(?:[0-9a-f]{0,4}:){2,7}(?:[0-9a-f]{0,4}|\d+\.\d+\.\d+\.\d+)(?![\w:])")
# Two colons with at most four hex digits between them, which every IPv6 candidate holds.
_IPV6_HINT = re.compile(r"(?i):[0-9a-f]{0,4}:")
_VERSION_CUE = re.compile(r"(?i)(?:\bversion|\bv|\brelease|\bbuild|\bsection|\bchapter|\bfigure|\btable|\bstep|\brule|§)\s*\.?\s*$")


def _public(value: str) -> bool:
    """Only globally routable addresses point at someone: loopback (127.0.0.1), private
    (192.168.x.x, 10.x.x.x), link-local, documentation (192.0.2.0/24), unspecified (0.0.0.0),
    multicast and reserved blocks, which hold every netmask (255.255.255.0), identify no one."""
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return address.is_global and not address.is_multicast


def ip_addresses(text: str) -> list[Finding]:
    found: list[Finding] = []
    for m in _IPV4.finditer(text) if _IPV4_HINT.search(text) else ():
        # "version 1.2.3.4" has the shape of an address; the word in front says otherwise.
        # Four one-digit parts ("4.2.1.3") number a section or a version far more often than a host.
        if _VERSION_CUE.search(text, max(0, m.start() - 12), m.start()) or not _public(m.group()) or len(m.group()) == 7:
            continue
        found.append(Finding(m.start(), m.end(), "IP_ADDRESS", "ipv4", 0.85))
    if "::" not in text and text.count(":") < 2 or not _IPV6_HINT.search(text):
        return found
    for m in _IPV6.finditer(text):
        value = m.group()
        if value.count(":") < 2 or not any(c.isalpha() or c == ":" for c in value.replace(":", "", 2)):
            continue
        # Clock times like 12:45:18 are not valid IPv6, but "::" alone or "1::" are; ask for substance.
        if sum(c.isalnum() for c in value) < 4 or not _public(value):
            continue
        found.append(Finding(m.start(), m.end(), "IP_ADDRESS", "ipv6", 0.85))
    return found


# ---------------------------------------------------------------- payment cards
_CARD = re.compile(r"\d(?<![\w+.-]\d)(?:[ -]?\d){11,18}(?![\w]|[.-]\d)")
_CARD_CUE = re.compile(r"(?i)\b(?:card|cc|visa|master ?card|amex|discover|maestro|credit|debit|payment|pay)\b")


def issued_card_number(digits: str) -> bool:
    """Whether a card network issues numbers that start and run like `digits` (its IIN ranges and
    lengths, as the networks publish them): a Luhn-valid run of digits that none issues ("the
    model has 175000000000 parameters") is a quantity, an ID or a code, not a card."""
    n, d2, d3, d4 = len(digits), int(digits[:2]), int(digits[:3]), int(digits[:4])
    if digits[0] == "4":
        return n in (13, 16, 19)                                    # Visa
    if 51 <= d2 <= 55 or 2221 <= d4 <= 2720:
        return n == 16                                              # Mastercard
    if d2 in (34, 37):
        return n == 15                                              # American Express
    if 2200 <= d4 <= 2204:
        return 16 <= n <= 19                                        # Mir
    if 300 <= d3 <= 305 or d2 in (36, 38, 39):
        return 14 <= n <= 19                                        # Diners Club
    if d2 == 35 or (d4 in (2131, 1800) and n == 15):
        # JCB issues 3528-3589; generators of test data (Faker) write any 35 prefix, and a
        # 16-digit Luhn-valid number opening with 35 is a card far more often than anything else.
        return 15 <= n <= 19                                        # JCB (and its old 15-digit ranges)
    if digits[0] == "6" or d2 == 50 or 56 <= d2 <= 58:
        return 12 <= n <= 19                                        # Discover, UnionPay, Maestro, RuPay
    if digits[0] == "1" or d4 == 8699:
        return n == 15                                              # UATP, Voyager
    if d2 in (81, 82) or d4 == 9792:
        return n == 16                                              # RuPay, Troy
    return False


def credit_cards(text: str) -> list[Finding]:
    found: list[Finding] = []
    for m in _CARD.finditer(text):
        value = m.group()
        separators = {c for c in value if not c.isdigit()}
        if len(separators) > 1:
            continue
        digits = value.replace(" ", "").replace("-", "")
        if not 12 <= len(digits) <= 19 or not luhn_valid(digits) or len(set(digits)) < 2 or not issued_card_number(digits):
            continue
        if set(digits) <= {"0", "1"}:
            continue  # bits ("01010100 01110011", common in coding answers), never a card number
        # One in ten random digit runs passes Luhn: a card word nearby or a card-like
        # grouping (4-digit blocks, or none at all) is what lifts it above the flag level.
        grouped = not separators or all(len(g) == 4 for g in re.split(r"[ -]", value)[:-1])
        score = 0.75 if grouped else 0.55
        if _context(text, m.start(), m.end(), _CARD_CUE):
            score += 0.2
        found.append(Finding(m.start(), m.end(), "CREDIT_CARD", "card_luhn", round(score, 2)))
    return found


# ---------------------------------------------------------------- IBAN
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}
# Grouped by spaces, as printed, or by hyphens, as some forms and copies write it.
_IBAN = re.compile(r"(?i)(?<![\w-])[a-z]{2}\d{2}(?:[ -]?[a-z0-9]){11,30}(?![\w])")
# Two letters then two digits, which every IBAN opens with; led by a digit, so scanned for in C.
_IBAN_HINT = re.compile(r"(?i)\d(?<=[a-z]{2}\d)\d")


def iban_valid(value: str) -> bool:
    compact = value.replace(" ", "").replace("-", "").upper()
    if _IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    if not compact.isascii() or not compact.isalnum():
        return False  # case-insensitive [a-z] also takes "İ", "ı", "ſ" and the Kelvin sign: no IBAN holds them
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def ibans(text: str) -> list[Finding]:
    found: list[Finding] = []
    if not _IBAN_HINT.search(text):
        return found
    for m in _IBAN.finditer(text):
        value = m.group()
        # The grouped form may have swallowed the next word: shrink to the valid length.
        compact_len = _IBAN_LENGTHS.get(value[:2].upper())
        if compact_len is None:
            continue
        end, count = m.start(), 0
        while end < m.end() and count < compact_len:
            if text[end] not in " -":
                count += 1
            end += 1
        if count == compact_len and iban_valid(text[m.start():end]):
            found.append(Finding(m.start(), end, "IBAN", "iban_mod97", 0.95))
    return found


# ---------------------------------------------------------------- US SSN
_SSN = re.compile(r"(\d(?<![\w-]\d)\d{2})([- ]?)(\d{2})\2(\d{4})(?![\w]|-\d)")
_SSN_CUE = re.compile(r"(?i)\b(?:ssn|social security|social sec|ss#|ss no|taxpayer)")


def ssn_valid(area: str, group: str, serial: str) -> bool:
    """The ranges the Social Security Administration issues: no 000, 666 or 9xx area, no 00
    group, no 0000 serial."""
    return not (area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000")


def us_ssns(text: str) -> list[Finding]:
    found: list[Finding] = []
    for m in _SSN.finditer(text):
        area, sep, group, serial = m.group(1), m.group(2), m.group(3), m.group(4)
        if not ssn_valid(area, group, serial):
            continue
        cue = _context(text, m.start(), m.end(), _SSN_CUE)
        if sep == "-":
            score = 0.9 if cue else 0.7
        elif cue:
            score = 0.8
        else:
            continue  # nine bare digits without a cue are far more often something else
        found.append(Finding(m.start(), m.end(), "US_SSN", "ssn", score))
    return found


# ---------------------------------------------------------------- phone numbers
# International (+CC or 00/011 prefix, optional trunk "(0)"), national with area code in
# brackets, and digit groups joined by space, dot or dash; an extension may follow. The
# pattern only proposes candidates: `phonenumbers` (Google's libphonenumber metadata) decides.
# Chinese, Japanese and Korean write a number right after a word, with no space between
# ("电话13812345678"): after one of their characters a number may start.
# A comma before the number counts as a separator (a CSV field: "...,087 123 4567") unless a digit
# precedes it, as in a thousands separator ("1,234 567").
_PHONE = re.compile(
    rf"(?=[\d+(])(?:(?<=[{CJK_LETTERS}])|(?<![\w+./-])(?<!\d,))"
    r"(?:\+\d{7,15}|"
    r"(?:(?:\+|00|011)[ -]?\d{1,3}[ .-]?(?:\(0\)[ .-]?)?|1[ .-])?"
    r"(?:\(\d{1,5}\)[ .-]?)?"
    r"(?:\d{1,5}(?:[ .-]\d{2,8}){1,5}|\d{7,15}))"
    r"(?:\s?(?:x|ext\.?|extension)\s?\d{1,6})?"
    rf"(?:(?=[{CJK_LETTERS}])|(?![\w%]|[.,:/-]\d|\s?(?:%|°|‰)))"
)
_PHONE_CUE = re.compile(
    r"(?i)\b(?:phone|tel|telephone|mobile|cell|cellphone|fax|call|calls|calling|called|text|texted|sms|whatsapp|number|contact|"
    r"reach|dial|office|desk|hotline|answering|answer|message|messages|voicemail|landline|ring|registered|"
    # The same words in the other languages the word lists cover, and Cyrillic.
    r"telefon|telefono|teléfono|telefone|téléphone|tél|móvil|movil|celular|handy|mobil|mobiel|numéro|número|nummer|"
    r"puhelin|telefonnummer|телефон|тел|мобильный|номер)\b"
    # Chinese, Japanese and Korean, where no word boundary separates the cue from the number.
    r"|电话|電話|手机|手機|携帯|連絡先|联系|聯絡|전화|휴대폰|연락처"
)
_DATE_LIKE = re.compile(r"^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$")
# A decimal number ("365.2422", "3.14159 26"), or a version ("10.0.19041.1"): one dot between
# digits and no other separator, or dotted groups of which one has a single digit.
_DECIMAL = re.compile(r"^\d+\.\d+$|^\d+(?:\.\d+)*\.\d(?:\.\d+)*$")
_NANP = re.compile(r"^(?:1[ .-])?\d{3}[ .-]\d{3}[ .-]\d{4}$")
_OTHER_NUMBER_CUE = re.compile(
    r"(?i)\b(?:order|invoice|tracking|reference|ref|ticket|case|serial|model|part|item|sku|isbn|issn|receipt|"
    r"transaction|confirmation|booking|flight|patent|batch|lot|catalog|catalogue|product|policy|claim|member|membership|"
    r"customer|employee|student|account|license|licence|registration|voucher|coupon|promo)\s*(?:no\.?|number|num|#|id)?\s*[:#]?\s*$"
)
_ZIP_PLUS_4 = re.compile(r"^\d{5}-\d{4}$")
# What follows a measurement, a count or an amount, never a phone number.
_UNIT_AFTER = re.compile(
    r"(?i)\s?(?:[kmcµnμ]?(?:g|m|l|s|w|hz|j|v|pa|mol)\b|kb|mb|gb|tb|kbps|mbps|kwh|mph|km/h|kph|rpm|ft\b|yd\b|mi\b|lbs?\b|oz\b|"
    r"bytes?|bits?|years?|yrs?|days?|hours?|hrs?|minutes?|mins?|seconds?|secs?|months?|weeks?|people|persons|"
    r"times|units|items|copies|votes|words|pages|miles|meters|metres|kilometers|kilometres|feet|inches|pounds|"
    r"dollars|euros|usd|eur|gbp|jpy|cny|inr|rows|records|tokens|parameters|steps|points|calories|kcal|degrees|"
    r"percent|per\b|light|nm\b)"
)
_CURRENCY_BEFORE = re.compile(r"[$€£¥₹₩₽]\s?$|(?i:\b(?:usd|eur|gbp|rs\.?|inr|chf|sek|nok|dkk|jpy|cny))\s?$")
_VERSION_BEFORE = re.compile(r"(?i)(?:\bversion|\bv|\brelease|\bbuild|\bisbn(?:-1[03])?:?|\bdoi:?|\bissn:?|\barxiv:?|#)\s*\.?\s*$")
# Regions a national number (no country code) is tried in, most likely first; stops at the first
# that calls it valid. International numbers carry their own region.
PHONE_REGIONS = ("US", "GB", "CA", "AU", "IN", "DE", "FR", "ES", "IT", "NL", "BE", "CH", "AT", "IE", "SE", "NO",
                 "DK", "FI", "PL", "PT", "CZ", "BR", "MX", "ZA", "NZ", "SG", "PH", "JP", "CN", "KR", "RU")


def _phone_validity(value: str, international: bool) -> str:
    """valid | possible | impossible, by libphonenumber's metadata."""
    import phonenumbers

    main = re.split(r"\s?(?:x|ext\.?|extension)", value, maxsplit=1)[0]
    if international:
        candidate = "+" + main[2:] if main.startswith("00") else "+" + main[3:] if main.startswith("011") else main
        try:
            number = phonenumbers.parse(candidate, None)
        except phonenumbers.NumberParseException:
            return "impossible"
        if phonenumbers.is_valid_number(number):
            return "valid"
        return "possible" if phonenumbers.is_possible_number(number) else "impossible"
    possible = False
    for region in PHONE_REGIONS:
        try:
            number = phonenumbers.parse(main, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return "valid"
        possible = possible or phonenumbers.is_possible_number(number)
    return "possible" if possible else "impossible"


def phones(text: str) -> list[Finding]:
    found: list[Finding] = []
    for m in _PHONE.finditer(text):
        value = m.group()
        main = re.split(r"\s?(?:x|ext\.?|extension)", value, maxsplit=1)[0]
        digits = sum(c.isdigit() for c in main)
        if not 7 <= digits <= 15 or _DATE_LIKE.match(value) or _DECIMAL.match(main) or _ZIP_PLUS_4.match(main):
            continue
        if set(re.sub(r"\D", "", main)) <= {"0", "1"}:
            continue  # bits ("01101110 01100001", common in coding answers), never a phone number
        parts = re.findall(r"\d+", main)
        if len(parts) == 2 and all(len(p) == 4 for p in parts) and 1000 <= int(parts[0]) < int(parts[1]) <= 2199:
            continue  # a span of years, 1839-1842
        before = text[max(0, m.start() - 16):m.start()]
        if _CURRENCY_BEFORE.search(before) or _VERSION_BEFORE.search(before) or _UNIT_AFTER.match(text, m.end()):
            continue
        if _OTHER_NUMBER_CUE.search(text, max(0, m.start() - 24), m.start()):
            continue  # "order number 2023-11-045-778", "ISBN ...": a number, but not one to call
        international = value.startswith(("+", "00", "011"))
        validity = _phone_validity(value, international)
        if validity == "impossible" and not value.startswith("+"):
            # "011 555 0199" is Johannesburg, "0044 ..." may be a national number too: read nationally.
            international = False
            validity = _phone_validity(value, international)
        if validity == "impossible":
            continue
        bracketed = "(" in value
        cue = _context(text, m.start(), m.end(), _PHONE_CUE, after=24)
        grouped = international or bracketed or len(parts) >= 2
        if validity == "valid":
            # Valid somewhere, but written like a phone number? International, an area code in
            # brackets, the North American 3-3-4 or a national trunk 0 ("0470 12 34 56"); other
            # groupings of valid digits ("8 13 21 34 55") need a cue.
            phone_shaped = international or bracketed or bool(_NANP.match(main)) or (grouped and main.startswith("0"))
            score = 0.8 if phone_shaped else 0.45
        elif international or bracketed:
            score = 0.6
        else:
            # Digit groups that no numbering plan knows, or a bare run of digits: a phone
            # number only if the text says so.
            score = 0.45 if grouped else 0.3
        if cue:
            score += 0.2
        found.append(Finding(m.start(), m.end(), "PHONE", "phone", round(min(score, 0.95), 2)))
    return found


# ---------------------------------------------------------------- numbers spaced out
# A number written to get past pattern matching: a space between every digit ("4 1 5 5 5 5 0 1 4 2",
# "1 2 3 - 4 5 - 6 7 8 9") or spaces around its separators ("415 . 555 . 0142"). Puzzles, sequences
# and sums are written the same way ("1 2 3 4 5 6 7 8 9 10", "10 - 20 - 30"), so each reading needs
# its type's cue nearby as well as its type's validator: a numbering plan, the SSN ranges, Luhn
# and the issued card ranges. (A card spaced digit by digit is already a card to `credit_cards`.)
# One pattern for both forms, led by a digit, so scanned for in C; a "+" in front is looked for
# after (`_PLUS_BEFORE`).
_SPACED_NUMBER = re.compile(
    r"\d(?<![\w.,-]\d)(?:(?:[ \t](?:[-.][ \t])?\d){6,18}|\d{0,4}(?:[ \t]+[-.][ \t]+\d{1,5}){2,4})(?![\w]|[.,]\d)")
_PLUS_BEFORE = re.compile(r"(?<![\w+])\+[ \t]?\Z")
# With digits spaced out, a cue counts only right before the number, joined to it by a few
# connecting words or signs ("call me at", "Tel.", "SSN:", "card number is"): "call the function
# with 1 2 3 4 5 6 7 8 9" or "text the numbers 2 7 1 8 2 8" holds a cue word, not a phone number.
_CUE_JOINT = re.compile(r"(?i)(?:[ \t:.#=(-]|\b(?:me|us|him|her|them|at|on|is|was|to|via|no|nr|number|num|now|or)\b){0,12}\Z")
# Phone cues that say only "a number" or a place, not a phone ("the number 8 6 7 5 3 0 9").
_WEAK_PHONE_CUES = frozenset({"number", "numéro", "número", "nummer", "номер", "office", "desk", "registered",
                              "answer", "answering", "message", "messages", "ring"})


def _cue_right_before(text: str, start: int, cue: re.Pattern[str], weak: frozenset[str] = frozenset()) -> bool:
    window_start = max(0, start - _CONTEXT_CHARS)
    return any(m.group().lower() not in weak and _CUE_JOINT.match(text, m.end(), start)
               for m in cue.finditer(text, window_start, start))


def spaced_numbers(text: str) -> list[Finding]:
    found: list[Finding] = []
    for m in _SPACED_NUMBER.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if len(set(digits)) < 2:
            continue
        start, end = m.start(), m.end()
        plus = _PLUS_BEFORE.search(text, max(0, start - 2), start)
        if plus is not None:
            start = plus.start()
        if len(digits) == 9 and ssn_valid(digits[:3], digits[3:5], digits[5:]) and _cue_right_before(text, start, _SSN_CUE):
            entity_type = "US_SSN"
        elif 12 <= len(digits) <= 19 and luhn_valid(digits) and issued_card_number(digits) and _cue_right_before(text, start, _CARD_CUE):
            entity_type = "CREDIT_CARD"
        elif 7 <= len(digits) <= 15 and _cue_right_before(text, start, _PHONE_CUE, _WEAK_PHONE_CUES) and _phone_validity(
                ("+" if plus else "") + digits, plus is not None) == "valid":
            entity_type = "PHONE"
        else:
            continue
        found.append(Finding(start, end, entity_type, "spaced_number", 0.85))
    return found


_HAS_DIGIT = re.compile(r"\d")
# The digit patterns above open with their first digit, the lookbehind looking past it (card, SSN),
# or with a lookahead on their first character (IPv4, phone): with the lookbehind first, every
# position of the text was tried in full; a pattern led by a digit is scanned for in C.


def _claim(claimed: list[Finding], found: list[Finding]) -> None:
    """Append to `claimed` each of `found` that overlaps nothing claimed so far."""
    for f in found:
        if not overlaps_any(f, claimed):
            claimed.append(f)


def detect_structured(text: str) -> list[Finding]:
    # Cheap tests first: most instruction text has no "@" and many lines have no digit, and a
    # substring test in C costs far less than a pattern pass.
    out: list[Finding] = []
    if "@" in text:
        out.extend(emails(text))
        if " @" in text or "@ " in text or "\t@" in text or "@\t" in text or ". " in text:
            out.extend(spaced_emails(text))
    lower = text.lower()
    if "@" in text or "u/" in text or any(map(lower.__contains__, _USERNAME_WORDS)):
        out.extend(usernames(text, lower))
    if "at" in lower and ("dot" in lower or "(at)" in lower or "[at]" in lower or "{at}" in lower or "<at>" in lower):
        out.extend(spelled_emails(text))
    if "." in text:
        out.extend(urls(text))
    if _HAS_DIGIT.search(text):
        # A card number holds at least 12 digits, an SSN 9, a phone number 7: in ASCII text, where
        # only 0-9 are digits, one count in C rules out each where the text holds fewer.
        digits = sum(map(text.count, "0123456789")) if text.isascii() else math.inf
        validated: list[Finding] = []
        for detector, least in ((ip_addresses, 0), (credit_cards, 12), (ibans, 0), (us_ssns, 9)):
            if digits >= least:
                validated.extend(detector(text))
        if digits >= 4:
            out.extend(birth_dates(text, lower))
        # Each number is read once: what a detector before claimed is no other detector's (an IBAN is
        # not also an account number, a Chinese ID not also a phone).
        if digits >= 7 or (digits >= 3 and national_ids_possible_with_few_digits(text, lower)):
            # Identity numbers of other countries and identity documents (national_ids.py): a passport number may hold three digits.
            _claim(validated, national_ids(text, lower))
        if digits >= 2:
            # A vehicle's VIN or plate given as such (vehicles.py): a plate holds two digits or more.
            _claim(validated, vehicle_ids(text, lower))
        if digits >= 5:
            # An account or record number given as such (accounts.py).
            _claim(validated, account_numbers(text, lower))
        out.extend(validated)
        # A number a checksum or a numbering rule already claimed (Luhn, mod-97, SSN ranges) is
        # not also a phone number, however plausible its digits are to libphonenumber.
        if digits >= 7:
            spaced = without_overlaps(spaced_numbers(text), validated)
            validated.extend(spaced)
            out.extend(spaced)
            out.extend(without_overlaps(phones(text), validated))
    return out
