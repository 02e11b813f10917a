"""Street addresses and place names, offline.

Addresses: an anchor (house number and street-type word, a street word with a house number,
"number words number" as many European addresses are written, PO boxes, military mail) is
grown to the right over the parts an address block is made of: unit ("Apt. 864"), city,
region code, postal code and country, across commas and line breaks, and stops at the
first ordinary word ("for", "after"). Places: listed countries, states and big cities, and
capitalized words after a place cue ("lives in", "moved here from", "grew up in").
"""

from __future__ import annotations

import re

from data_assets.compliance.findings import Finding
from data_assets.compliance.lexicons import phrases, words
from data_assets.compliance.tokens import tokenize

PLACES = phrases("places")
COMMON = words("common_words")
FIRST_NAMES = words("first_names")
_MAX_PLACE_WORDS = max(len(p.split()) for p in PLACES)

_STREET_TYPES = (
    r"street|st|avenue|ave|av|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|square|sq|way|terrace|"
    r"ter|parkway|pkwy|highway|hwy|circle|cir|crescent|cres|close|grove|gardens|gdns|row|walk|alley|trail|trl|"
    r"plaza|mews|hill|heights|park|view|ridge|loop|pike|path|expressway|freeway|causeway|embankment|quay|wharf|"
    r"ranch|route|rte|crossing|green|common|estate|port|harbor|harbour|point|junction|jct|meadows|fields"
)
# Street words of other languages, as whole words or as the end of a compound (Friedhofstrasse).
_STREET_STEMS = (
    r"stra(?:ss|ß)e|str|straat|steeg|laan|plein|gracht|kade|dijk|weg|gasse|platz|allee|ring|damm|ufer|vej|gade|"
    r"gata|gatan|vägen|väg|veien|vegen|gate|katu|tie|kuja|polku|tee|iela|gatve|utca|útja|út|ulica|ulice|ul|"
    r"cesta|náměstí|nábřeží|třída|rue|via|viale|vicolo|corso|calle|carrer|avenida|rua|travessa|largo|strada|"
    r"piazza|plaza|plac|aleja|chemin|allée|boulevard|odos|οδός|λεωφόρος|πλατεία|ulitsa|prospekt|pereulok|sokak|cadde|caddesi"
)
_WORD = r"[^\W\d_][\w'’.-]*"
_HOUSE = r"\d{1,6}[A-Za-z]?(?:[-/]\d{1,4}[A-Za-z]?)?"

_ANCHORS = re.compile(
    rf"(?i)(?<![\w.,-])(?P<us>{_HOUSE}(?:\s+\d{{1,5}})?\s+(?:{_WORD}\s+){{0,4}}(?:{_STREET_TYPES})\b\.?)"
    rf"|(?<![\w])(?P<stem>(?:{_WORD}\s+){{0,3}}\w*(?:{_STREET_STEMS})\b\.?\s+\d{{1,5}}[a-z]?\b)"
    rf"|(?<![\w])(?P<lead>(?:rue|via|viale|calle|carrer|avenida|rua|travessa|strada|piazza|plaza|plac|aleja|ulica|ul\.|chemin|odos)\s+(?:{_WORD}\s+){{0,4}}\d{{1,5}}[a-z]?\b)"
    rf"|(?<![\w])(?P<hu>(?:{_WORD}\s+){{1,3}}u\.\s+\d{{1,5}}\b\.?)"
    rf"|(?<![\w])(?P<po>p\.?\s?o\.?\s?box\s+\d{{1,6}})"
    rf"|(?<![\w])(?P<mil>(?:psc|unit|usns|usnv|uss|uscgc|usnsc)\s+[\w ]{{1,30}}?,?\s+box\s+\d{{1,6}}(?:\s*\n?\s*(?:apo|fpo|dpo)\s+(?:aa|ae|ap)\s+\d{{5}})?)"
)
# Faker-style and many European addresses: "6750 Koskikatu 25", "46 velký průhon 426".
_NUMBER_WORDS_NUMBER = re.compile(rf"(?<![\w.,:/-])\d{{1,5}}\s+(?P<words>{_WORD}(?:\s+{_WORD}){{0,3}})\s+\d{{1,5}}[a-zA-Z]?\.?(?![\w/:.]|[.,]\d)")

# Lowercase words inside a street or place name: "Rua do Arenque", "Reguengos de Monsaraz".
_PARTICLES = frozenset("de del della delle di da do dos das du des la le les van von der den ter y i e el al".split())
_SEPARATOR = re.compile(r"[ \t]*(?:,[ \t]*)?(?:\n[ \t>?*]*){0,2}(?:,[ \t]*)?")
_UNIT = re.compile(r"(?i)(?:apt\.?|apartment|suite|ste\.?|unit|fl\.?|floor|room|rm\.?|no\.?|#)\s*[\w-]{1,6}\b\.?")
_POSTAL = re.compile(
    r"(?:\d{4,6}(?:-\d{3,4})?|[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}|\d{4}\s?[A-Z]{2}|\d{3}\s\d{2}|\d{2}-\d{3})(?![\w])"
)
_REGION_CODE = re.compile(r"[A-Z]{2,3}(?![\w])")
_PLACE_WORD = r"[^\W\d_]+(?:['’.-][^\W\d_]+)*\.?(?![\w])"
_PLACE_WORDS = re.compile(rf"{_PLACE_WORD}(?:[ -](?:{_PLACE_WORD}|\(\w+\)))*")
_STRONG_PLACE_CUE = re.compile(
    r"(?i)(?:\b(?:lives?|living|lived|live) (?:in|at|on)|\bmoved (?:here |there )?(?:from|to)|\bgrew up in|\bborn in|\bbased in|"
    r"\boriginally from|\bvisit(?:ing|ed)?|\btravell?ing to|\barrived at|\breturned to|\bflew to|\bfly to|\bcoming to|"
    r"\bcity of|\btown of|\bvillage of|\buniversity of|\bwhere:)\s*$"
)
_PLACE_CUE = re.compile(r"(?i)(?:\bfrom|\bin|\bto|\bnear|\bat)\s*$")


def _grow(text: str, end: int, lowercase: bool, limit: int = 6) -> int:
    """Extend an address that ends at `end` over unit, city, region, postal code and country."""
    for _ in range(limit):
        sep = _SEPARATOR.match(text, end)
        at = sep.end() if sep else end
        if at >= len(text):
            break
        piece = _UNIT.match(text, at) or _POSTAL.match(text, at)
        if piece is None and not lowercase:
            piece = _REGION_CODE.match(text, at)
        if piece is None:
            words_ = _PLACE_WORDS.match(text, at)
            stop = None
            if words_ is not None:
                for w in re.finditer(r"\S+", words_.group()):
                    word = w.group()
                    # Ordinary words end the address ("..., and 75 Auerstrasse", "... after the concert").
                    if word.lower().strip(".,()") in COMMON or (not lowercase and not word[0].isupper() and word[0] != "("):
                        break
                    stop = at + w.end()
            if stop is None:
                break
            end = stop
            if stop < words_.end():
                break
            continue
        if piece is None:
            break
        end = piece.end()
    # Never end on a dangling separator or a sentence dot.
    while end > 0 and text[end - 1] in " \t\n,":
        end -= 1
    return end


def street_addresses(text: str) -> list[Finding]:
    if not any(c.isdigit() for c in text):
        return []
    lowercase = not any(c.isupper() for c in text)
    found: list[Finding] = []
    for m in _ANCHORS.finditer(text):
        kind = m.lastgroup or "us"
        start, end = m.start(), m.end()
        if kind in ("stem", "hu"):
            # Leading ordinary words belong to the sentence, not the street ("at Via Roma 3").
            start = _skip_ordinary_words(text, start)
        score = {"us": 0.85, "stem": 0.8, "lead": 0.8, "hu": 0.7, "po": 0.9, "mil": 0.9}[kind]
        found.append(Finding(start, _grow(text, end, lowercase), "STREET_ADDRESS", f"address_{kind}", score))
    for m in _NUMBER_WORDS_NUMBER.finditer(text):
        street = m.group("words").split()
        ordinary = sum(w.lower().strip(".,") in COMMON for w in street)
        if ordinary:
            continue
        capitalized = all(w[0].isupper() or w.lower() in _PARTICLES for w in street) and street[0][0].isupper()
        if not capitalized and not lowercase:
            continue
        score = 0.75 if capitalized else 0.6
        found.append(Finding(m.start(), _grow(text, m.end(), lowercase), "STREET_ADDRESS", "address_number_words", score))
    return found


def _skip_ordinary_words(text: str, start: int) -> int:
    for token in tokenize(text[start:start + 80]):
        if token.lower not in COMMON or token.lower in ("rue", "via", "calle", "rua"):
            return start + token.start
    return start


def place_names(text: str) -> list[Finding]:
    tokens = tokenize(text)
    found: list[Finding] = []
    n = len(tokens)
    i = 0
    while i < n:
        hit = None
        # Longest listed place starting here, over up to _MAX_PLACE_WORDS adjacent words.
        for size in range(min(_MAX_PLACE_WORDS, n - i), 0, -1):
            span = tokens[i:i + size]
            if size > 1 and any(text[a.end:b.start] not in (" ", "-") for a, b in zip(span, span[1:])):
                continue
            if " ".join(t.lower for t in span) in PLACES:
                hit = span
                break
        before = text[max(0, tokens[i].start - 24):tokens[i].start]
        strong = bool(_STRONG_PLACE_CUE.search(before))
        cue = strong or bool(_PLACE_CUE.search(before))
        if hit is not None:
            capitalized = hit[0].text[0].isupper()
            score = 0.85 if cue else (0.7 if capitalized else 0.5)
            found.append(Finding(hit[0].start, hit[-1].end, "LOCATION", "place_gazetteer", score))
            i += len(hit)
            continue
        token = tokens[i]
        if cue and token.text[0].isupper() and token.lower not in COMMON and token.lower not in FIRST_NAMES:
            j = i
            while j + 1 < n and j - i < 3 and text[tokens[j].end:tokens[j + 1].start] in (" ", "-", " de ", " del ", " da ", " di ") and tokens[j + 1].text[0].isupper() and tokens[j + 1].lower not in COMMON:
                j += 1
            found.append(Finding(token.start, tokens[j].end, "LOCATION", "place_cue", 0.65 if strong else 0.5))
            i = j + 1
            continue
        i += 1
    return found


def locations(text: str) -> list[Finding]:
    return street_addresses(text) + place_names(text)
