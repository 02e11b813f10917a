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

from data_assets.compliance.caseless import Caseless
from data_assets.compliance.findings import Finding
from data_assets.compliance.lexicons import phrases, words
from data_assets.compliance.tokens import capitalized_tokens, tokenize

PLACES = phrases("places")
COMMON = words("ordinary_words")
FIRST_NAMES = words("first_names")
_MAX_PLACE_WORDS = max(len(p.split()) for p in PLACES)
_PLACE_FIRST_WORDS = frozenset(p.split()[0] for p in PLACES)
# Every listed place and every run of its first words ("united", "united states", ...).
_PLACE_PREFIXES = frozenset(" ".join(p.split()[:k]) for p in PLACES for k in range(1, len(p.split()) + 1))

_STREET_TYPES = (
    r"street|st|avenue|ave|av|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|square|sq|way|terrace|"
    r"ter|parkway|pkwy|highway|hwy|circle|cir|crescent|cres|close|grove|gardens|gdns|row|walk|alley|trail|trl|"
    r"plaza|mews|hill|heights|park|view|ridge|loop|pike|path|expressway|freeway|causeway|embankment|quay|wharf|"
    r"ranch|route|rte|crossing|green|common|estate|port|harbor|harbour|point|junction|jct|meadows|fields|"
    # More suffixes of USPS Publication 28, Appendix C1 (the US postal list of street suffixes);
    # those that are as often an everyday noun after a number and a capitalized word ("Level 3
    # Data Center", "Top 10 Travel Club", "Apollo 11 Mission") are left out.
    r"creek|crk|bridge|brg|turnpike|tpke|pass|flat|flats|cove|coves|cv|forge|forges|rapids|rapid|isle|knoll|knolls|"
    r"glen|gln|hollow|holw|brook|brooks|burg|bypass|byp|canyon|cyn|cliff|cliffs|crest|dale|dl|divide|dv|"
    r"estates|falls|ferry|fry|ford|frd|fork|forks|frk|gateway|gtwy|haven|hvn|hts|inlet|landing|lndg|manor|mnr|"
    r"meadow|mdw|mdws|mill|mills|motorway|mtwy|orchard|orch|oval|overpass|opas|passage|psge|pines|pne|"
    r"plains|pln|prairie|pr|radial|radl|shoal|shoals|skyway|skwy|spur|stravenue|stra|summit|smt|throughway|trwy|"
    r"trace|trce|track|trak|trafficway|trfy|underpass|upas|viaduct|via|vista|vis|vl|ville|wy|xing|bnd|bend"
)
# The rest of USPS Publication 28's suffixes: everyday nouns after a number and a capitalized
# word as often as street words ("Level 3 Data Center", "Apollo 11 Mission", "Route 66 Diner
# Club"). One counts only when a unit or a postal code follows it, as in an address block:
# "1200 Baker Center Suite 4", "88 Elm Mission, 94110".
_CORROBORATED_STREET_TYPES = frozenset(
    "anex annex arcade bayou beach bluff bluffs bottom branch burgs camp cape center centers circles club commons "
    "corner corners course courts crossroad crossroads curve dam drives extension extensions fall field fords forest "
    "fort garden glens greens groves harbors hills island islands junctions key keys lake lakes land light lights loaf "
    "lock locks lodge mall manors mission mount mountain mountains neck parks parkways pine plain plazas points ports "
    "ramp rest ridges river roads run shore shores spring springs spurs squares station stream streets trailer tunnel "
    "union unions valley valleys views village villages walks wall ways well wells".split()
)
# Street words of other languages, as whole words or as the end of a compound (Friedhofstrasse).
_STREET_STEMS = (
    r"strasse|straße|str|straat|steeg|laan|plein|gracht|kade|dijk|weg|gasse|platz|allee|ring|damm|ufer|vej|gade|"
    r"gata|gatan|vägen|väg|veien|vegen|vei|vegur|gate|allé|plads|plass|torv|torg|terrasse|katu|tie|kuja|polku|tee|iela|gatve|utca|útja|út|ulica|ulice|ul|"
    r"cesta|náměstí|nábřeží|třída|rue|via|viale|vicolo|corso|calle|carrer|avenida|rua|travessa|largo|strada|"
    r"piazza|plaza|plac|aleja|chemin|allée|boulevard|odos|οδός|λεωφόρος|πλατεία|ulitsa|prospekt|pereulok|sokak|cadde|caddesi"
)
_WORD = r"[^\W\d_][\w'’.-]*"
# A house number is \d{1,6} and this tail ("12", "12a", "12-14", "5/3b").
_HOUSE_TAIL = r"[A-Za-z]?(?:[-/]\d{1,4}[A-Za-z]?)?"

# Anchors are found keyword first (a street-type word, a street stem followed by a number,
# "u." and a number, a PO box), and only then is the text just before the keyword examined:
# one cheap pass over the text instead of trying a many-word pattern at every position.
_STREET_TYPE_WORDS = frozenset(_STREET_TYPES.split("|"))
_STEMS = tuple(_STREET_STEMS.split("|"))
# A house number and the words after it; a street-type word among them makes an address.
# The first digit is matched before the lookbehind (which then looks past it): a pattern that
# opens with a digit is scanned for in C, one that opens with a lookbehind is tried everywhere.
_HOUSE_WORDS = re.compile(rf"\d(?<![\w.,-]\d)\d{{0,5}}{_HOUSE_TAIL}(?:\s+\d{{1,5}})?(?P<words>(?:[ \t]+{_WORD}){{1,5}})")
# A word followed by a number; the word's ending says whether it names a street.
_WORD_NUMBER = re.compile(r"(?<![^\W\d_])([^\W\d_]+)(\.?)[ \t]+\d{1,5}[a-zA-Z]?(?:/\d{1,4}[a-zA-Z]?)?\b")
# The lookahead holds the first letter of every lead word (a new word's first letter goes there
# too): a position that opens none fails at one test instead of trying every alternative.
_LEAD_WORD = re.compile(
    rf"(?i)(?=[aceilnopqrstuvλοπ])(?:\b(?:rue|via|viale|calle|carrer|avenida|avda\.|rua|rúa|travessa|strada|piazza|plaza|plac|aleja|ulica|ul\.|"
    rf"chemin|odos|paseo|ronda|rambla|camino|praça|largo|estrada|alameda|corso|vicolo|trg|quai|impasse|allée|aleje|náměstí|"
    rf"λεωφόρος|οδός|πλατεία)|(?<!\w)c/)"
    rf"[ \t]+(?P<name>{_WORD}(?:[ \t]+{_WORD}){{0,5}}?)[ \t]+\d{{1,5}}[a-z]?(?:/\d{{1,4}}[a-z]?)?\b"
)
_HU_NUMBER = re.compile(r"\bu\.\s+\d{1,5}\b\.?")
# Where someone lives or something is, a name and a house number make a street whatever its
# street word, or without one: "my aunt lives on Vliegenbos 112", "located at the north end of
# Calle Ormaza 18".
_CUED_STREET = re.compile(
    r"(?i:\b(?:lives?|living|lived|resides?|residing|located|situated)[ \t]+(?:on|at)[ \t]+"
    r"(?:the[ \t]+(?:north|south|east|west)(?:ern)?[ \t]+(?:side|end|part)[ \t]+of[ \t]+)?)"
    rf"(?P<name>{_WORD}(?:[ \t]+{_WORD}){{0,3}}?)[ \t]+\d{{1,5}}[a-zA-Z]?\b(?![.,]\d|[:/%])"
)
# Every cue of _CUED_STREET holds one of these (a new cue must too): a substring test skips the rest.
_CUED_STREET_WORDS = ("liv", "resid", "locat", "situat")
_PO_BOX = re.compile(r"(?i)\bp\.?\s?o\.?\s?box\s+\d{1,6}")
_MILITARY = re.compile(
    r"(?i)\b(?:psc|unit|usns|usnv|uss|uscgc)\s+[\w ]{1,30}?,?\s+box\s+\d{1,6}(?:\s*\n?\s*(?:apo|fpo|dpo)\s+(?:aa|ae|ap)\s+\d{5})?"
)
_SHIP = re.compile(
    r"\b(?:USNS|USNV|USS|USCGC)\s+[^\W\d_][\w'’.-]*(?:[ \t]+[^\W\d_][\w'’.-]*){0,3},?\s*\n?\s*(?:FPO|APO|DPO)\s+(?:AA|AE|AP)\s+\d{5}\b"
)
# A house number, capitalized name words and a unit: "4410 Kettleby Suite 12" is an address
# whatever its street word, or without one.
_HOUSE_NAME_UNIT = re.compile(
    r"(?<![\w.,-])\d{1,6}[A-Za-z]?(?:[ \t]+\d{1,5})?(?P<name>(?:[ \t]+[^\W\d_][\w'’.-]*){1,4})[ \t]*,?[ \t]+"
    r"(?:Apt\.?|Apartment|Suite|Ste\.?)[ \t]*#?\d"
)
# The unit words of _HOUSE_NAME_UNIT (a new one goes here too): a substring test in C skips the
# pattern, which tries every number in the text, for the texts that hold none.
_HOUSE_UNIT_WORDS = ("Apt", "Apartment", "Suite", "Ste")
_DIGIT = re.compile(r"\d")
_LEAD_WORDS = frozenset("rue via viale calle carrer avenida avda rua rúa travessa strada piazza plaza plac aleja ulica ul chemin "
                        "odos paseo ronda rambla camino praça largo estrada alameda corso vicolo trg quai impasse allée aleje náměstí".split())
# Street words that lead their name only after a house number ("14 Avenue de la Gare", "12 boulevard
# Haussmann"): alone, "Avenue" and "Boulevard" are also the English suffix ("Park Avenue").
_LEAD_AFTER_NUMBER = frozenset("avenue boulevard bd av".split())
_WORD_BEFORE = re.compile(rf"({_WORD})\s+\Z")
# Street stems that are also everyday English words need a capitalized street name before them.
_AMBIGUOUS_STEMS = frozenset("gate ring tie tee via plaza way str ul gata".split())
# Faker-style and many European addresses: "6750 Koskikatu 25", "46 velký průhon 426".
_NUMBER_WORDS_NUMBER = re.compile(rf"(?<![\w.,:/-])\d{{1,5}}[ \t]+(?P<words>{_WORD}(?:[ \t]+{_WORD}){{0,3}})[ \t]+\d{{1,5}}[a-zA-Z]?\.?(?![\w/:.]|[.,]\d)")
# The words after a house number hold a street-type or lead word: tested before the loop over
# those words, which only ever acts on one of them (most "number + words" are prose: "3 apples").
_STREET_OR_LEAD_WORDS = _STREET_TYPE_WORDS | _LEAD_WORDS | _LEAD_AFTER_NUMBER | _CORROBORATED_STREET_TYPES
_STREET_OR_LEAD_WORD = re.compile(
    rf"(?i)(?<!\S)(?:{'|'.join(sorted(map(re.escape, _STREET_OR_LEAD_WORDS), key=len, reverse=True))})[.,]*(?!\S)"
)


def _holds_street_word(words: str) -> bool:
    """Whether `words` holds a street-type or lead word, as `_STREET_OR_LEAD_WORD` finds one. In
    ASCII text, where lowercasing is exact, a set lookup per word does it several times faster than
    the pattern, which tries every alternative at every position; other text takes the pattern
    (its case-insensitive match also reads "ſ" as "s")."""
    if not words.isascii():
        return bool(_STREET_OR_LEAD_WORD.search(words))
    return any(word.rstrip(".,").lower() in _STREET_OR_LEAD_WORDS for word in words.split())
# _WORD_NUMBER, _LEAD_WORD and _NUMBER_WORDS_NUMBER stay within one line and hold a space or tab
# then a digit: they run only over the lines that have one (a sixth of the text of long records).
_SPACE_DIGIT = re.compile(r"[ \t]\d")

# Lowercase words inside a street or place name: "Rua da Prata", "Vila Nova de Gaia".
_PARTICLES = frozenset("de del della delle dello dei degli di da do dos das du des la le les van von der den ter y i e el al "
                       "d' l' d’ l’".split())
# Commas, up to two line breaks, and a spaced dash as Brazilian addresses write the state
# ("São Paulo - SP, 01304-001").
_SEPARATOR = re.compile(r"[ \t]*(?:,[ \t]*|(?<=[ \t])[-–][ \t]+)?(?:\n[ \t>?*]*){0,2}(?:,[ \t]*)?")
# The unit's number holds a digit or is one letter ("Apt. 4B", "Suite C"): "now" is not "No. w".
# Also the unit words of other languages (Spanish "piso", "puerta", Portuguese "apto", "andar",
# German "Whg.", Russian "кв." and "корп."), and a floor written as an ordinal ("3º B", "2ª").
_UNIT = re.compile(
    r"(?i)(?:(?:apt\.?|apartment|suite|ste\.?|unit|flat|fl\.?|floor|room|rm\.?|no\.?|#|apto\.?|piso|puerta|pta\.?|planta|"
    r"escalera|esc\.?|andar|bloco|bloque|whg\.?|wohnung|etage|étage|кв\.?|квартира|корп\.?|корпус|стр\.?|оф\.?)"
    r"(?![^\W\d_])\s*#?\s*(?:[\w-]{0,5}\d[\w-]{0,5}|[a-z])\b\.?"
    # NFKC reads "º" and "ª" as "o" and "a": the detectors see "3o B".
    # A letter after it stands apart ("3o B"): "10am" is a time.
    r"|\d{1,3}[º°ªoa](?:[ \t][A-Za-z])?(?![^\W\d_]))"
)
# Postal codes: digits (most countries, ZIP+4), the British outward and inward codes, Dutch
# digits and letters, Swedish and Czech "123 45", Polish "12-345", and Canadian "K1A 0B1".
_POSTAL = re.compile(
    r"(?:\d{4,6}(?:-\d{3,4})?|[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}|\d{4}\s?[A-Z]{2}|\d{3}\s\d{2}|\d{2}-\d{3}|"
    r"[A-Z]\d[A-Z][ ]?\d[A-Z]\d)(?![\w])"
)
# A house number, a comma, a postal code and a word: what follows a street named without a street
# word in most of Europe ("Pikk 2, 10123 Tallinn", "Zeil 106, 60313 Frankfurt am Main").
_NUMBER_POSTAL_TOWN = re.compile(
    rf"(?<![\w.,:/-])(?P<number>\d{{1,5}}[A-Za-z]?(?:/\d{{1,4}}[A-Za-z]?)?),[ \t]*(?P<postal>{_POSTAL.pattern})[ \t]+(?P<town>[^\W\d_]+)"
)
# Where the text says an address follows ("my address is", "Address:", "ship it to", "deliver to",
# "I live at"), the address is read whatever its layout: a first part with a number and a name,
# then parts parted by commas, the last a postal code with or without its town, or a listed place.
# The street rules cannot know every country's layout ("Plot 12, Sector 5, Noida 201301", "H.No.
# 12-3-456, Banjara Hills, Hyderabad 500034", "4-2-8 Shibakoen, Minato-ku, Tokyo 105-0011").
_ADDRESS_CUE = re.compile(
    r"(?i)\b(?:(?P<address>address)(?:[ \t]+is|[ \t]*:)|(?P<label>mail|post)[ \t]*:|"
    r"(?:ship|deliver)(?:ped|ed)?[ \t]+(?:(?:it|this|them|the[ \t]+[a-z]+)[ \t]+)?to[ \t]*:?|"
    r"(?:send|sent|mail|mailed|post|forward)[ \t]+(?:it|this|them|the[ \t]+[a-z]+)[ \t]+to[ \t]*:?|"
    r"(?:visit|find)[ \t]+(?:us|me)[ \t]+at|(?:located|live|lives|lived|reside|resides)[ \t]+at)[ \t]*"
)
_ADDRESS_CUE = Caseless(_ADDRESS_CUE)  # the same spans, faster on ASCII text (see caseless.py)
# Every cue above holds one of these (a new cue must too): a substring test skips the pattern.
_ADDRESS_CUE_WORDS = ("address", "ship", "deliver", "send", "sent", "mail", "post", "forward", "live", "resid", "visit",
                      "find", "locat")
# "address" is a cue as a label opening its line or as someone's address ("my address is"); the
# address of a memory cell or a website is not one. "Mail:" and "Post:" are labels opening a line.
_ADDRESS_OWNER = re.compile(
    r"(?i)(?:\b(?:my|our|his|her|their|the|home|billing|shipping|delivery|mailing|postal|new|office|current|permanent)[ \t]+"
    r"|(?:^|\n)[ \t]*)\Z")
_LINE_START = re.compile(r"(?:^|\n)[ \t]*\Z")
_LETTER = re.compile(r"[^\W\d_]")
_CAPITAL_WORD = re.compile(r"(?<![^\W\d_])[A-Z]")
# Where a cued address must end by: the end of its line, or of its sentence ("... 201301. Call me").
_ADDRESS_CUE_END = re.compile(r"[.!?](?=[ \t]+[A-Z][a-z]|[ \t]*(?:\n|$))|\n")
_ADDRESS_PART_END = re.compile(
    rf"^(?:{_WORD}(?:[ \t-]+{_WORD})*[ \t]+)?(?P<code>\d{{3,6}}(?:-\d{{3,4}})?|{_POSTAL.pattern})$"   # town, postal code
    rf"|^(?P<code_first>\d{{3,6}}(?:-\d{{3,4}})?|{_POSTAL.pattern})[ \t]+{_WORD}(?:[ \t-]+{_WORD}){{0,3}}$"  # postal code, town
)


def _address_part(part: str, lowercase: bool) -> bool:
    return bool(part) and len(part) <= 48 and (lowercase or part[0].isdigit() or part[0].isupper()) and (
        lowercase or not any(w in COMMON and w not in _PARTICLES for w in part.split() if w.islower()))


def _cued_addresses(text: str, lower_text: str, lowercase: bool, lines: list[tuple[int, int]]) -> list[Finding]:
    """`lines`: the lines holding a number (`_number_lines`), where a cued address must be: it ends with its line."""
    found = []
    for cue in (cue for start, end in lines for cue in _ADDRESS_CUE.finditer(text, start, end, lowered=lower_text)):
        if cue.group("address") and not _ADDRESS_OWNER.search(text, max(0, cue.start() - 16), cue.start()):
            continue
        if cue.group("label") and not _LINE_START.search(text, max(0, cue.start() - 8), cue.start()):
            continue
        start = cue.end()
        stop = _ADDRESS_CUE_END.search(text, start, start + 200)
        segment = text[start:stop.start() if stop else min(len(text), start + 200)]
        parts = segment.split(",")
        first = parts[0].strip()
        if not (2 <= len(parts) <= 8 and _DIGIT.search(first) and _LETTER.search(first) and (lowercase or _CAPITAL_WORD.search(first))):
            continue
        # Each part opens with a capital or a digit ("Sector 5", "Minato-ku", "3º izq.") and holds no
        # everyday lowercase word: "then Release 3" and "Avenue NW in Washington" are prose going on.
        # The address is the longest run of such parts from the first that ends as an address does.
        fit = 0
        while fit < len(parts) and _address_part(parts[fit].strip(), lowercase):
            fit += 1
        for k in range(fit, 1, -1):
            last = parts[k - 1].strip()
            m = _ADDRESS_PART_END.match(last)
            code = m and (m.group("code") or m.group("code_first"))
            if (m and not (len(code) == 4 and _YEAR.match(code))) or last.lower().rstrip(".") in PLACES:
                end = start + len(",".join(parts[:k]).rstrip(" \t."))
                found.append(Finding(start + len(parts[0]) - len(parts[0].lstrip()), end, "STREET_ADDRESS", "address_cued", 0.8))
                break
    return found


_REGION_CODE = re.compile(r"[A-Z]{2,3}(?![\w])")
_LOWERCASE_REGION_POSTAL = re.compile(r"[a-z]{2,3}[ \t]+\d{4,6}(?:-\d{3,4})?(?![\w])")
_PLACE_WORD = r"[^\W\d_]+(?:['’.-][^\W\d_]+)*\.?(?![\w])"
_PLACE_WORDS = re.compile(rf"{_PLACE_WORD}(?:[ -](?:{_PLACE_WORD}|\(\w+\)))*")
_STRONG_PLACE_CUE = re.compile(
    r"(?i)(?:\b(?:lives?|living|lived|live) (?:in|at|on)|\bmoved (?:here |there )?(?:from|to)|\bgrew up in|\bborn in|\bbased in|"
    r"\boriginally from|\bvisit(?:ing|ed)?|\btravell?ing to|\barrived at|\breturned to|\bflew to|\bfly to|\bcoming to|"
    r"\bcity of|\btown of|\bvillage of|\buniversity of|\bwhere:)\s*$"
)
_PLACE_CUE = re.compile(r"(?i)(?:\bfrom|\bin|\bto|\bnear|\bat)\s*$")
# Matched the fast way on ASCII text (see caseless.py), with the same spans: the cues run for
# every candidate place, the lead-word pattern over every line with a number.
_STRONG_PLACE_CUE, _PLACE_CUE, _LEAD_WORD = map(Caseless, (_STRONG_PLACE_CUE, _PLACE_CUE, _LEAD_WORD))


# Capitalized words that still end an address block: the next sentence or clause starts.
_CONNECTORS = frozenset("and or but for after before then with from to the a an if when this that please thanks".split())


_NUMBER_AFTER = re.compile(r"[ \t]+\d{1,5}[a-zA-Z]?\b\.?(?![\d,.]\d)")
_ELIDED = ("d'", "l'", "d’", "l’")


def _street_name_word(word: str, lowercase: bool) -> bool:
    """A word that can name a street after its street word: capitalized ("Rivoli"), elided
    ("d'Italie"), or in all-lowercase text any word that is not an everyday one."""
    if word[:2].lower() in _ELIDED:
        word = word[2:]
    if not word:
        return False
    if lowercase:
        return word.lower() not in COMMON
    return word[0].isupper()


def _ends_address(word: str, lowercase: bool) -> bool:
    """An ordinary word ends the address ("..., and 75 Auerstrasse", "... after the concert");
    a capitalized one is a town unless it is a connector ("Leeds", "Berlin", "Springfield")."""
    bare = word.lower().strip(".,:;()")
    if word[0] == "(" and len(word) > 1:
        word = word[1:]  # "Poland (Pomorskie)": a qualifier of the country, read as its word
    if not lowercase and not word[0].isupper():
        return True
    if bare in _CONNECTORS:
        return True
    return bare in COMMON and bare not in PLACES and (lowercase or not word[0].isupper())


def _grow(text: str, end: int, lowercase: bool, limit: int = 8) -> int:
    """Extend an address that ends at `end` over unit, city, region, postal code and country."""
    postal_seen = False
    for _ in range(limit):
        # "Rákóczi út 13. Suite 104": the dot after a house number, as Hungarian writes it.
        # Only a unit may follow that dot: otherwise it ends the sentence ("..., TX 76087. I'm").
        probe = end + 1 if text.startswith(". ", end) and end and text[end - 1].isdigit() else end
        if probe != end and not _UNIT.match(text, _SEPARATOR.match(text, probe).end()):
            probe = end
        sep = _SEPARATOR.match(text, probe)
        at = sep.end() if sep else end
        if at >= len(text):
            break
        piece = _UNIT.match(text, at)
        if piece is None and not postal_seen:
            # One postal code per address: a second number is a phone or the next thing.
            piece = _POSTAL.match(text, at)
            postal_seen = piece is not None
        if piece is None and not lowercase:
            piece = _REGION_CODE.match(text, at)
        if piece is None and lowercase and not postal_seen:
            # All-lowercase text writes the region code in lowercase too: "tigard, or 97223".
            piece = _LOWERCASE_REGION_POSTAL.match(text, at)
            postal_seen = piece is not None
        if piece is None:
            words_ = _PLACE_WORDS.match(text, at)
            stop = None
            if words_ is not None:
                for w in re.finditer(r"\S+", words_.group()):
                    word = w.group()
                    if stop is not None and word.lower() in _PARTICLES:
                        continue  # "Alcalá de Henares": part of the name once a name word follows
                    if text.startswith(":", at + w.end()):
                        break  # "Mobile: 0341 ...": the label of the next line, not a town
                    # Ordinary words end the address ("..., and 75 Auerstrasse", "... after the concert").
                    if _ends_address(word, lowercase):
                        break
                    stop = at + w.end()
                    if word.endswith(".") and len(word) > 4:
                        stop -= 1  # "Paris." ends the sentence and the address
                        break
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


# A four-digit number that reads as a year ("88 Elm Mission, 1998") corroborates nothing.
_YEAR = re.compile(r"(?:1[5-9]|20)\d\d(?!\d)")


def _unit_or_postal_follows(text: str, end: int) -> bool:
    """Whether a unit ("Suite 4", "Apt. 12B") or a postal code that is no year follows `end`
    across the separators of an address block."""
    at = _SEPARATOR.match(text, end).end()
    if _UNIT.match(text, at):
        return True
    postal = _POSTAL.match(text, at)
    return postal is not None and not (postal.end() - at == 4 and _YEAR.match(text, at))


def _names_a_street(words_: list[str], lowercase: bool) -> bool:
    """Whether words with no street word among them can name a street (before a unit, after "lives
    on"): name words and particles, opened by a name word, and one word at least that is no
    everyday word ("Chapter 4 Summary Suite 2", "located at Level 5" name no street)."""
    return (all(_street_name_word(w, lowercase) or w.lower() in _PARTICLES for w in words_) and _street_name_word(words_[0], lowercase)
            and any(w.lower().rstrip(".,") not in COMMON for w in words_))


def _word_before(text: str, position: int) -> re.Match[str] | None:
    """The word that ends just before `position` (spaces between), if any."""
    return _WORD_BEFORE.search(text, max(0, position - 40), position)


def _capitalized_before(text: str, position: int) -> int | None:
    """Start of the capitalized word just before `position`, unless it is a connector ("The")."""
    before = _word_before(text, position)
    if before is not None and before.group(1)[0].isupper() and before.group(1).lower() not in _CONNECTORS:
        return before.start(1)
    return None


def _words_before(text: str, start: int, limit: int, lowercase: bool) -> int:
    """Move `start` left over up to `limit` name words of a street ("Brucker Bundesstrasse")."""
    for _ in range(limit):
        m = _word_before(text, start)
        if m is None:
            break
        word = m.group(1)
        if word.lower() in COMMON or not (word[0].isupper() or lowercase or word.lower() in _PARTICLES):
            break
        start = m.start(1)
    return start


def _number_lines(text: str) -> list[tuple[int, int]]:
    """`[start, end)` of every line holding a space or tab then a digit, in text order."""
    lines: list[tuple[int, int]] = []
    m = _SPACE_DIGIT.search(text)
    while m is not None:
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        lines.append((text.rfind("\n", 0, m.start()) + 1, end))
        m = _SPACE_DIGIT.search(text, end)  # the next line that holds one: the rest of this one is taken
    return lines


def street_addresses(text: str) -> list[Finding]:
    if _DIGIT.search(text) is None:
        return []
    # A search bounded by a line's end reads that end as the text's: the patterns run per line
    # end in \b or a negative lookahead, which a newline satisfies as the text's end does.
    lines = _number_lines(text)
    lower_text = text.lower()
    lowercase = text == lower_text
    found: list[Finding] = []

    def add(start: int, end: int, kind: str, score: float) -> None:
        found.append(Finding(start, _grow(text, end, lowercase), "STREET_ADDRESS", f"address_{kind}", score))

    for m in _HOUSE_WORDS.finditer(text):
        if not _holds_street_word(m.group("words")):
            continue
        offset = m.start("words")
        street: list[str] = []
        for w in re.finditer(r"\S+", m.group("words")):
            word = w.group()
            bare = word.lower().rstrip(".,")
            if street and bare in _STREET_TYPE_WORDS:
                if not lowercase and not street[0][0].isupper():
                    break
                end = offset + w.end() - (len(word) - len(word.rstrip(",")))
                add(m.start(), end, "us", 0.85)
                break
            if street and bare in _CORROBORATED_STREET_TYPES and (lowercase or street[0][0].isupper()):
                end = offset + w.end() - (len(word) - len(word.rstrip(",")))
                if _unit_or_postal_follows(text, end):
                    add(m.start(), end, "us", 0.85)
                    break
                # Otherwise a word of the street's name, if a street word follows ("Quarry Valley Rd").
            if not street and (bare in _LEAD_WORDS or bare in _LEAD_AFTER_NUMBER):
                # "12 rue de Rivoli", "14 Avenue de la Gare": the street word leads, the name
                # follows, and a number after the name ("7 Avenue d'Italie 12") is part of it.
                tail = [x for x in re.finditer(r"\S+", m.group("words"))][1:5]
                last = None
                for x in tail:
                    w = x.group().rstrip(",")
                    if not (_street_name_word(w, lowercase) or w.lower() in _PARTICLES):
                        break
                    last = x
                    if x.group().endswith(","):
                        break
                if last is not None and _street_name_word(last.group().rstrip(","), lowercase):
                    end = offset + last.end() - (len(last.group()) - len(last.group().rstrip(",")))
                    number = _NUMBER_AFTER.match(text, end) if not last.group().endswith(",") else None
                    add(m.start(), number.end() if number else end, "lead", 0.8)
                break
            # Ordinary lowercase words end the street ("3 apples in the park"); capitalized ones
            # (Baker, Queen) are street names.
            if bare in COMMON and bare not in _PARTICLES and (lowercase or not word[0].isupper()):
                break
            street.append(word)
    for m in (m for start, end in lines for m in _WORD_NUMBER.finditer(text, start, end)):
        word = m.group(1)
        lower = word.lower()
        if not lower.endswith(_STEMS):
            continue
        stem = next(s for s in _STEMS if lower.endswith(s))
        compound = len(lower) > len(stem)
        # "Str. 74", "Hauptstr. 7", "ul. 5": the dot of the abbreviation says street.
        abbreviated = bool(m.group(2)) and (lower == stem or stem == "str")
        # "Rákóczi út 13": a street word that is also an everyday word of its language is a street
        # after a capitalized name.
        # An ambiguous one ("Karl Johans gate 22") is a street where a postal code or a unit follows.
        named = not compound and _capitalized_before(text, m.start()) is not None and (
            stem not in _AMBIGUOUS_STEMS or _unit_or_postal_follows(text, m.end()))
        if lower in COMMON and (stem in _AMBIGUOUS_STEMS or len(stem) <= 4) and not (abbreviated or named):
            continue  # "String 1", "offering 24": an everyday word that happens to end like a street
        if compound and len(stem) <= 3 and stem not in ("weg", "vej", "tie", "út", "tee") and not abbreviated:
            continue  # "str", "ul", "gate" inside another word are chance endings
        previous = _words_before(text, m.start(), 3, lowercase)
        if (abbreviated or named) and previous == m.start():
            # "Berliner Str. 12": before an abbreviated street word, a capitalized everyday word
            # is the street's name.
            previous = _capitalized_before(text, m.start()) or previous
        if not compound and lower in _AMBIGUOUS_STEMS and previous == m.start():
            continue  # "gate 12" alone is a boarding gate
        if lower in ("ul", "str") and not m.group(2):
            continue  # abbreviations are written with their dot: "ul. Długa 5"
        add(previous, m.end(), "stem", 0.8)
    for m in (m for start, end in lines for m in _LEAD_WORD.finditer(text, start, end, lowered=lower_text)):
        # "rue de Rivoli 5", "Via Roma 12" and "Rua Sete de Setembro 90" name a street; "via social
        # media 3" and "via Twitter in 2" do not: every word of the name is a name word or a particle.
        name = text[m.start("name"):m.end("name")].split()  # as written: the match may come from the lowercased text
        if all(_street_name_word(w, lowercase) or w.lower() in _PARTICLES for w in name) and (
                _street_name_word(name[0], lowercase) or name[0].lower() in _PARTICLES):
            add(m.start(), m.end(), "lead", 0.8)
    for m in (m for start, end in lines for m in _NUMBER_POSTAL_TOWN.finditer(text, start, end)):
        # The town is a name ("Windows 10, 2019 Edition" is none), the postal code no year, and
        # the words before the number name a street ("Chapter 4, 10115 Berlin" does not).
        town, postal = m.group("town"), m.group("postal")
        if not (town[0].isupper() if not lowercase else town not in COMMON or town in PLACES):
            continue
        if len(postal) == 4 and _YEAR.match(postal):
            continue
        start = _words_before(text, m.start(), 3, lowercase)
        if start < m.start() and _names_a_street(text[start:m.start()].split(), lowercase):
            add(start, m.end("number"), "postal", 0.75)
    for m in _CUED_STREET.finditer(text) if any(cue in lower_text for cue in _CUED_STREET_WORDS) else ():
        if _names_a_street(m.group("name").split(), lowercase):
            add(m.start("name"), m.end(), "cue", 0.75)
    for m in _HU_NUMBER.finditer(text) if "u." in text else ():
        start = _words_before(text, m.start(), 3, lowercase)
        if start < m.start():
            add(start, m.end(), "hu", 0.7)
    if "box" in lower_text:
        for m in _PO_BOX.finditer(text):
            add(m.start(), m.end(), "po", 0.9)
        for m in _MILITARY.finditer(text):
            add(m.start(), m.end(), "mil", 0.9)
    if "US" in text and "PO" in text:
        for m in _SHIP.finditer(text):
            add(m.start(), m.end(), "mil", 0.9)
    for m in _HOUSE_NAME_UNIT.finditer(text) if any(word in text for word in _HOUSE_UNIT_WORDS) else ():
        if _names_a_street(m.group("name").split(), lowercase):
            add(m.start(), m.end("name"), "unit", 0.8)
    for m in (m for start, end in lines for m in _NUMBER_WORDS_NUMBER.finditer(text, start, end)):
        street = m.group("words").split()
        # "A. 3 B. 4 C. 6": answer options, not a street of one-letter words.
        if any(len(w.strip(".,")) < 2 for w in street):
            continue
        if any(w.lower().strip(".,") in COMMON and w.lower() not in _PARTICLES for w in street):
            continue
        capitalized = all(w[0].isupper() or w.lower() in _PARTICLES for w in street) and street[0][0].isupper()
        if not capitalized and not (lowercase and all(len(w) >= 3 for w in street)):
            continue
        add(m.start(), m.end(), "number_words", 0.75 if capitalized else 0.6)
    if not text.isascii():
        if _CYRILLIC_STREET_HINT.search(text):
            for m in _CYRILLIC_STREET.finditer(text):
                # A street's name is capitalized: "площадь треугольника 12" is a triangle's area.
                if lowercase or m.group("name")[0].isupper():
                    add(m.start(), m.end(), "cyrillic", 0.8)
        if _CJK_DIVISION.search(text):
            for m in _CJK_ADDRESS.finditer(text):
                # A house on a street ("建国路88号", "2丁目", "12番地"), or two divisions (prefecture and
                # ward) before block numbers ("渋谷区神南1-2-3"), make it an address. One "市" and a
                # range ("市場シェア1-2%"), a metro line ("北京市地铁3号线") or a document number
                # ("北京市政府第12号") do not.
                value = m.group()
                head = value[:next(i for i, c in enumerate(value) if c.isdigit())]
                house = _CJK_HOUSE.search(value) is not None
                blocks = len(_CJK_DIVISION.findall(head)) >= 2 and _CJK_BLOCKS.search(value) is not None
                if house or blocks:
                    # With no spaces to end a word, "住在" (lives in) or "地址" (address) can open the
                    # match: they are not part of the address.
                    lead = next((w for w in _CJK_LEAD_WORDS if value.startswith(w)), "")
                    found.append(Finding(m.start() + len(lead), m.end(), "STREET_ADDRESS", "address_cjk", 0.8))
    if any(word in lower_text for word in _ADDRESS_CUE_WORDS):
        found.extend(_cued_addresses(text, lower_text, lowercase, lines))
    found = _house_number_before(text, _merge(found))
    if found and any(word in lower_text for word in ("flat", "apt", "apartment", "unit", "suite", "ste", "room")):
        found = _unit_before(text, found)
    return _intersections(text, found, lowercase)


# Russian (and other Cyrillic) addresses lead with the street word, then the name, then the house:
# "ул. Ленина, д. 5, кв. 12, Москва", "проспект Мира 15", "пер. Сивцев Вражек, дом 3".
_CYRILLIC_STREET = re.compile(
    r"(?i)(?<![^\W\d_])(?:ул\.|улица|пр-т|просп\.|проспект|пер\.|переулок|ш\.|шоссе|б-р|бульвар|наб\.|набережная|"
    r"пл\.|площадь|проезд|туп\.|тупик|вул\.|вулиця)"
    r"[ \t]*(?P<name>[^\W\d_][\w’'-]*(?:[ \t]+[^\W\d_][\w’'-]*){0,3}?),?[ \t]+(?:(?:д\.|дом)[ \t]*)?\d{1,4}[а-яa-z]?(?:/\d{1,4})?(?![\w])"
)
_CYRILLIC_STREET_HINT = re.compile(r"(?i)ул\.|улиц|просп|пр-т|пер\.|переул|шоссе|ш\.|бульв|б-р|наб|пл\.|площад|проезд|туп|вул")
# Japanese and Chinese addresses: an administrative division (prefecture, city, ward, town,
# province, county), more of the name, and a block or house number ("東京都渋谷区神南1-2-3",
# "北京市朝阳区建国路88号"). The digits are ASCII in the normalized view (NFKC folds full-width ones).
_CJK_ADDRESS = re.compile(
    # Opened by a kanji or hanzi, so a topic before it ("住所は") is left out.
    r"[\u4e00-\u9fff]{1,4}?[都道府県省市区县縣町村郡]"
    r"[\u3040-\u30ff\u4e00-\u9fff]{0,12}?\d{1,5}(?:(?:丁目|番地|番|号|號|-|−|の)\d{0,5}){1,4}(?:[号號室楼樓F])?"
)
_CJK_DIVISION = re.compile(r"[都道府県省市区县縣町村郡]")
# A house number on a street (路 road, 街 street, 道 avenue, 巷 lane, 弄 alley, 里, 胡同), or the
# Japanese chōme, banchi and gō.
_CJK_HOUSE = re.compile(r"[路街道巷弄里同]\d{1,5}[号號]|\d{1,3}丁目|\d{1,5}番地|\d{1,5}番\d{1,5}号")
_CJK_BLOCKS = re.compile(r"\d{1,4}[-−]\d{1,4}")
# Longest first: "住在" before "在".
_CJK_LEAD_WORDS = ("住在", "住址", "地址", "位于", "位於", "寄到", "送到", "搬到", "住所", "在", "于", "於", "到")
# A unit written before its address, as British and Australian addresses do: "Flat 3, 14 Kingsway
# Road", "Apartment 4B, 221 Baker Street".
_UNIT_BEFORE = re.compile(r"(?i)(?<![^\W\d_])(?:flat|apt\.?|apartment|unit|suite|ste\.?|room)[ \t]*#?[ \t]*[\w-]{0,4}\d[\w-]{0,4},?[ \t]+\Z")


def _unit_before(text: str, found: list[Finding]) -> list[Finding]:
    out = []
    for f in found:
        unit = _UNIT_BEFORE.search(text, max(0, f.start - 24), f.start)
        out.append(Finding(unit.start(), f.end, f.entity_type, f.detector, f.score) if unit else f)
    return out


# A bare number right before an address that starts with its street's name ("12 Kossuth Lajos u.
# 5", "80 Berliner Str. 12"): many address formats put the building number first.
_NUMBER_BEFORE = re.compile(r"(?:^|(?<=[\s:,]))\d{1,6}[ \t]+$")
# "In 2019 Via Roma 12 opened": a number after these is a year or a count.
_YEAR_CUE = re.compile(r"(?i)\b(?:in|by|of|on|since|from|until|after|before|to|and|than)\s+$")


def _house_number_before(text: str, found: list[Finding]) -> list[Finding]:
    out = []
    for f in found:
        if text[f.start:f.start + 1].isalpha():
            number = _NUMBER_BEFORE.search(text, max(0, f.start - 8), f.start)
            if number is not None and not _YEAR_CUE.search(text, max(0, number.start() - 8), number.start()):
                f = Finding(number.start(), f.end, f.entity_type, f.detector, f.score)
        out.append(f)
    return out


def _intersections(text: str, found: list[Finding], lowercase: bool) -> list[Finding]:
    """"the corner of A and B" is one address when either street is one: found already, written
    with a house number ("Dalsgade 14"), or ending in a street word ("Mill Road")."""
    if "orner of" not in text and "ORNER OF" not in text:
        return found
    added = []
    for m in _INTERSECTION.finditer(text):
        a = _street_words(m.group("a").split(), lowercase, whole=True)
        b = _street_words(m.group("b").split(), lowercase, whole=False)
        if not a or not b:
            continue
        end = m.start("b") + _words_length(m.group("b"), len(b))
        overlaps = any(f.start < end and m.start() < f.end for f in found)
        if overlaps or _street_like(a) or _street_like(b):
            added.append(Finding(m.start(), end, "STREET_ADDRESS", "address_corner", 0.8))
    return _merge(found + added) if added else found


_INTERSECTION = re.compile(
    r"(?i:\b(?:the[ \t]+)?corner[ \t]+of)[ \t]+(?P<a>(?:[\w'’./-]+[ \t]+){0,4}?[\w'’./-]+)[ \t]+(?i:and|&)[ \t]+"
    r"(?P<b>[\w'’./-]+(?:[ \t]+[\w'’./-]+){0,4})"
)


def _street_words(words_: list[str], lowercase: bool, whole: bool) -> list[str]:
    """The leading words that can make a street (numbers, name words, particles); with `whole`,
    all of them or none."""
    kept: list[str] = []
    for k, w in enumerate(words_):
        bare = w.rstrip(".,;:!?")
        if not bare or not (bare[0].isdigit() or _street_name_word(bare, lowercase) or bare.lower() in _STREET_TYPE_WORDS
                            or (k and bare.lower() in _PARTICLES)):
            if whole:
                return []
            break
        kept.append(bare)
        if bare != w:
            break  # punctuation ends the street
    return kept


def _words_length(phrase: str, count: int) -> int:
    """Characters of `phrase` up to the end of its `count`-th word, trailing punctuation off."""
    last = list(re.finditer(r"\S+", phrase))[count - 1]
    return last.start() + len(last.group().rstrip(".,;:!?"))


def _street_like(words_: list[str]) -> bool:
    has_number = any(w[0].isdigit() for w in words_)
    has_name = any(w[0].isalpha() for w in words_)
    last = words_[-1].lower().rstrip(".")
    return (has_number and has_name) or last in _STREET_TYPE_WORDS or (len(words_) > 1 and last.endswith(_STEMS))


def _merge(found: list[Finding]) -> list[Finding]:
    """Anchors of one address overlap ("05405 Wesselényi u. 94." holds two): one block, best score."""
    merged: list[Finding] = []
    for f in sorted(found, key=lambda f: (f.start, -f.end)):
        if merged and f.start < merged[-1].end:
            last = merged[-1]
            best = last if last.score >= f.score else f
            merged[-1] = Finding(last.start, max(last.end, f.end), last.entity_type, best.detector, best.score)
        else:
            merged.append(f)
    return merged


def place_names(text: str) -> list[Finding]:
    tokens = tokenize(text)
    found: list[Finding] = []
    n = len(tokens)
    lowercase_text = text == text.lower()
    # In cased text a place is capitalized ("china" is porcelain, "turkey" a bird), and starts a
    # listed place or is no everyday word or given name: the rest is passed over in one go.
    candidates = range(n) if lowercase_text else [
        i for i in capitalized_tokens(text)
        if (t := tokens[i]).lower in _PLACE_FIRST_WORDS or (t.lower not in COMMON and t.lower not in FIRST_NAMES)
    ]
    next_free = 0
    for i in candidates:
        if i < next_free:
            continue
        hit = None
        # Longest listed place starting here, over up to _MAX_PLACE_WORDS adjacent words.
        limit = min(_MAX_PLACE_WORDS, n - i) if tokens[i].lower in _PLACE_FIRST_WORDS else 0
        # Only words joined by a space or a hyphen that begin a listed place can be one: the
        # longest such run from here bounds the sizes worth looking up.
        joined, prefix = 1, tokens[i].lower
        while (joined < limit and text[tokens[i + joined - 1].end:tokens[i + joined].start] in (" ", "-")
               and (prefix := f"{prefix} {tokens[i + joined].lower}") in _PLACE_PREFIXES):
            joined += 1
        for size in range(min(joined, limit), 0, -1):
            span = tokens[i:i + size]
            if " ".join(t.lower for t in span) in PLACES:
                hit = span
                break
        token = tokens[i]
        if hit is None and not (token.text[0].isupper() and token.lower not in COMMON and token.lower not in FIRST_NAMES):
            continue
        before = text[max(0, tokens[i].start - 24):tokens[i].start]
        strong = bool(_STRONG_PLACE_CUE.search(before))
        cue = strong or bool(_PLACE_CUE.search(before))
        if hit is not None:
            capitalized = hit[0].text[0].isupper()
            score = 0.85 if cue else (0.7 if capitalized else 0.5)
            found.append(Finding(hit[0].start, hit[-1].end, "LOCATION", "place_gazetteer", score))
            next_free = i + len(hit)
            continue
        if cue:
            j = i
            while j + 1 < n and j - i < 3 and text[tokens[j].end:tokens[j + 1].start] in (" ", "-", " de ", " del ", " da ", " di ") and tokens[j + 1].text[0].isupper() and tokens[j + 1].lower not in COMMON:
                j += 1
            found.append(Finding(token.start, tokens[j].end, "LOCATION", "place_cue", 0.65 if strong else 0.45))
            next_free = j + 1
            continue
    return found


def locations(text: str) -> list[Finding]:
    return street_addresses(text) + place_names(text)
