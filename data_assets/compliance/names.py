"""People's names, offline: no model, only word lists, name shapes and the words around them.

A run of adjacent name-like words is scored by what supports it: a title in front ("Dr."),
a cue ("my name is", "Dear", "signed,"), a known given name followed by more capitalized
words, a surname shape (-sson, -ski, -ová, -enko, ...). Words that are also ordinary English
(Will, May, Rose, Brown) count only next to stronger evidence. Lowercase text ("my name is
otto brandt") is handled through the word lists alone, at lower scores.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from typing import NamedTuple

from data_assets.compliance.caseless import Caseless
from data_assets.compliance.findings import Finding, without_overlaps
from data_assets.compliance.lexicons import phrases, without_accents, words
from data_assets.compliance.tokens import Token, capitalized_tokens, lower_in, sentence_start, tokenize

FIRST_NAMES = words("first_names")
# Particles of compound surnames (van der Meer, de la Cruz) are not names on their own.
_PARTICLES = frozenset("van von der den de la le da di du des del della y bin binti bint ibn al el ní nic ó ua".split())
SURNAMES = words("surnames") - _PARTICLES
# Words that make a capitalized phrase an organization, event or thing, never a person.
NOT_PERSON_WORDS = frozenset(
    "empire wall university college school company inc ltd llc gmbh corp corporation logistics supply supplies care "
    "customer support team group bank church museum river mountain ocean sea lake war revolution republic kingdom "
    "council ministry department hospital hotel restaurant cafe center centre foundation institute association society "
    "club project service services systems software solutions technologies labs conseil airlines airport station "
    "bridge tower palace castle cathedral galaxy prize award act treaty "
    # Events, honours and talks named after someone: "Davis Cup", "TED Talk", "Nobel Prize".
    "cup trophy prizes awards medal talk talks lecture lectures conference summit symposium festival tournament "
    "championship championships league olympics academy zoo dam alert house".split()
)
# Geographic features and streets: "Pearl Harbor", "Hudson Bay", "Calvert Street" name places, not people.
_GEOGRAPHIC = frozenset("harbor harbour bay beach island islands valley canyon peninsula desert strait gulf "
                        "street avenue boulevard blvd".split())
# Dishes end in these ("Massaman Curry", "Basil Lasagna", "Brown Rice"). Some are also surnames
# ("Stephen Curry", "Condoleezza Rice"): those make a dish only when no given name is in the run.
_DISHES = frozenset("curry rice bean beans lasagna salad soup stew pasta noodles risotto pie cake bread sauce chowder "
                    "pudding tart burger sandwich tacos taco burrito casserole dumplings curd chutney smoothie latte "
                    "tea".split())
# A name followed by one of these is the name of a law, a theorem, a reaction, an account or
# a disease, not a person: "Boyle's law", "Maillard reaction", "Roth IRA", "Doppler effect",
# "Occam's razor", "Down syndrome", "Turing test", "Bunsen burner", "Sharpe ratio".
EPONYM = re.compile(
    r"(?i)^(?:(?:['’]s?)?\s+(?:laws?|theorems?|principles?|effects?|constants?|equations?|paradox|razor|syndrome|"
    r"disease|conjecture|hypothesis|lemma|inequality|postulates?|sequence|triangle|distribution|algorithm|"
    r"reactions?|rearrangement|synthesis|condensation|reagents?|reduction|oxidation|process|cycle|burner|flask|"
    r"dish|funnel|scale|number|numbers|constant|index|ratio|coefficient|model|method|formula|rule|series|"
    r"transforms?|transformation|integral|function|space|curve|diagram|limit|force|forces|boson|particle|"
    r"exclusion|uncertainty|structure|notation|square|machine|test|cipher|code|sign|manoeuvre|maneuver|"
    r"procedure|reflex|cells?|gland|tube|phenomenon|radiation|filter|graph|matrix|operator|approximation|"
    r"expansion|polynomials?|bound|criterion|ira|401\(?k\)?|plan|scheme|doctrine|amendment|rights|warning|"
    r"clause)\b(?!\s+(?:firm|school|office|practice|degree|student|partner|enforcement)))"
)
_ARTICLES = frozenset("the a an".split())
_US_STATES = (
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI "
    "SC SD TN TX UT VT VA WA WV WI WY DC"
)
_CITY_STATE = re.compile(rf",\s*(?:{'|'.join(_US_STATES.split())})\b(?:\s+\d{{5}})?")
# "Roe v. Wade": the second party of a case name. Case-sensitive: "Anna V. Berg" has a middle initial.
_CASE_NAME = re.compile(r"\b(?:vs?|Vs|VS)\.\s*$")
# ... and the first, with what follows it ("Marbury v. Madison").
_VERSUS = re.compile(r"^\s+(?:vs?|Vs|VS)\.\s")
# Events named after where they happened: the words after these name a place, not a person.
_EVENT_OF = re.compile(r"(?i)\b(?:battles?|siege|treaty|invasion|massacre|sack|bombing|liberation|raid)[ \t]+(?:of|at)[ \t]+$")
COMMON = words("ordinary_words")
PLACES = phrases("places")

_ENGLISH_TITLES = frozenset("mr mrs ms mx dr prof".split())
TITLES = frozenset("mr mrs ms miss mx dr prof sir madam mme mlle herr frau sr sra srta dott".split())
# Everyday words that no list holds as a given name or a surname: alone, never a person.
_EVERYDAY_ONLY = COMMON - FIRST_NAMES - SURNAMES
_SURNAME_SHAPE = re.compile(
    r"(?:sson|ssen|[^s]sen|ski|ska|sky|cki|cka|wicz|ová|ov|ova|ev|eva|ovich|evich|ovna|enko|chuk|escu|eanu|"
    r"opoulos|poulos|akis|idis|oglu|oğlu|nen|stein|berg|mann|ović|vić|ić|shvili|dze|moto|mura|yama|kawa|hashi|zaki|"
    r"qvist|kvist|quist|ström|gren|dahl|stedt)$"
)
# Cues whose next words are a name whatever they look like ("my name is otto brandt").
_NAMING_CUE = re.compile(
    r"(?i)(?:\bmy name is|\bname is|\bname's|\bname\s*[:?]|\bcall me|\bcalls me|\bnamed him\b|\bnamed her\b|\bnamed them\b|\bcalled him\b|\bcalled her\b|\bcalled them\b|\bnamed|"
    r"\bmaiden name is|\bname on the account is|\bsurname is|\bsurname\s*:)\s*$"
)
# Naming cues that announce a family name: an everyday word after them is the name ("my last name
# is Baker", "maiden name: Tischler"), where after "Name:" it would be the name of a thing.
_SURNAME_CUE = re.compile(r"(?i)(?:\bmaiden|\blast|\bfamily|\bsur)[ -]?name(?:[ \t]+is|[ \t]*:)[ \t]*$")
# Cues that make a name-like word a name with high confidence.
_STRONG_CUE = re.compile(
    r"(?i)(?:\bdear|\bsigned[,:]?|\bsincerely,?|\bregards,?|\bcheers,?|\bthis is|\bi'm|\bi am|\bask for|"
    r"\bdirected by|\bwritten by|\bsaid|\bsays|"
    # A sign-off on its own line: "Best,\nKwabena Mensah-Bonsu" ("Best Buy" is not one).
    r"\b(?:best|thanks|thank you|yours(?: truly| faithfully)?|respectfully|warmly|take care|love),[ \t]*\n)\s*$"
)
# What only a person does or has, right after a name: speaking, being born, "his" or "her" things.
_PERSON_AFTER = re.compile(
    r"(?:['’]s)?[ \t]+(?:(?:said|says|told|asked|replied|answered|wrote|whispered|shouted|was born|died|who|"
    r"(?:lives|lived)[ \t]+(?:on|in|at))\b|"
    r"[a-z]+[ \t]+(?:his|her)\b|"
    # Verbs whose subject is a person, not a product or a company: e-mailing, phoning, joining a team.
    r"(?:e-?mailed|texted|phoned|messaged|resigned|retired|apologi[sz]ed|introduced[ \t]+(?:himself|herself)|"
    r"(?:(?:will|has|have|just)[ \t]+)?join(?:ed|s)?[ \t]+(?:us|the[ \t]+team)|"
    r"(?:was|has[ \t]+been|got)[ \t]+(?:hired|promoted)|is[ \t]+on[ \t]+(?:leave|vacation|holiday|sick[ \t]+leave)|"
    r"(?:called|will[ \t]+call|can[ \t]+call)[ \t]+(?:me|you|us)\b)\b)"
    r"|['’]s[ \t]+(?:wife|husband|son|daughter|mother|father|parents|brother|sister|family|children|kids|"
    r"friends?|killers?|murder(?:er)?|death|funeral|widow|lawyer|birthday)\b"
    # A relative clause about someone after a comma: "..., who joins the team on Monday".
    r"|,[ \t]+(?:who|whose)\b"
)
# The weak cues that precede things as often as people ("Penne with Veggie Quinoa", "made by
# Proxima Labs"): no cue for a name that no list knows, unless a verb only people do goes first.
_THING_CUE = re.compile(r"(?i)\b(?:with|by)\s*[,:]?\s*$")
_PERSON_VERB_BEFORE = re.compile(
    r"(?i)\b(?:spoke|speak|talked|talk|met|meet|meeting|chatted|signed|countersigned|approved|authori[sz]ed|prepared|"
    r"reviewed|submitted|reported|requested|received|sent|forwarded|witnessed|interviewed|hired|married|engaged|"
    r"recommended|referred|nominated|endorsed|introduced|invited|supervised|mentored|treated|examined|represented)"
    r"[ \t]+(?:with|by)\s*[,:]?\s*$")
# Cues that make a capitalized word a name rather than the start of a phrase.
_WEAK_CUE = re.compile(
    r"(?i)(?:\bwith|\bby|\bmeet|\bmet|\bask|\btell|\bhi|\bhello|\bhey|\bthanks|\bpartner's name|"
    r"\bcustomer|\bapplicant|\bcandidate|\buser|\bstudent|\bresident|\bcaller|\bsender|\brecipient|\bpassenger|"
    r"\bbuyer|\bseller|\breviewer|\bwinner|\bvolunteer|\bintern|\bnurse|\btechnician|\bcontractor|\battendees?|\bparticipants?|\binvitees?|"
    r"\b(?:forward(?:ed)?(?: this| it)?|reply|replied|talk(?:ed)?|speak|spoke|assigned|married|engaged)[ \t]+to|"
    # Something sent or handed to someone: "send the contract to", "give this to", "mail it to".
    r"\b(?:send|sent|give|gave|hand|handed|mail|mailed|e-?mail|e-?mailed|deliver|delivered|pass|passed|"
    # ... or paid to someone: "transfer the amount to", "refund the deposit to".
    r"transfer|transferred|pay|paid|wire|wired|refund|refunded|remit|remitted|reimburse|reimbursed)"
    r"(?:[ \t]+(?:it|this|that|them|the|a|an|my|your|our|his|her|their|[a-z]+)){1,3}[ \t]+to|"
    r"\bnew hire|\bhire|\brecruit|\btrainee|\bsecretary|\bsupervisor|\bcoordinator|"
    r"\bpartner|\bwife|\bhusband|\bson|\bdaughter|\bmother|\bfather|\bbrother|\bsister|\bfriend|\bkid|\bboss|"
    r"\bmanager|\bcolleague|\bpatient|\bclient|\bguardian|\bnephew|\bniece|\buncle|\baunt|\bco-?founders?|\bfounders?|"
    r"\bowners?|\bceo|\bcto|\bcfo|\bassistant to|\bcoworkers?|\bco-workers?|\bemployees?|\bneighbou?rs?|\broommates?|"
    r"\blandlord|\btenant|\bteacher|\bcousin|\bgirlfriend|\bboyfriend|\bfianc[eé]e?|"
    # Whose name a form or a payment gives: "Account holder: ...", "Beneficiary: ...".
    r"\baccount[ \t]+holder|\bcard[ \t]?holder|\bpolicy[ \t]?holder|\bbeneficiary|\bpayee|\bguarantor|\bsignatory|"
    r"\bemergency[ \t]+contact|\bnext[ \t]+of[ \t]+kin|\bcontact[ \t]+person)\s*[,:]?\s*$"
)
_THING_BEFORE_NAME = re.compile(
    r"(?i)\b(?:product|organi[sz]ation|company|restaurant|business|brand|file|project|app|application|team|band|"
    r"pet|dog|cat|horse|ship|boat|domain|store|shop|book|song|album|movie|film|game|event|website|site|street|"
    r"city|town|variable|function|class|column|table|model|dish|recipe|drink|cocktail|hotel|cafe|bar)(?:'s)?\s*$"
)
# First-person cues: the writer's own name, which a story prompt does not make a character.
_SELF_CUE = re.compile(r"(?i)(?:\bmy name is|\b(?:her|his|their) name is|\bmy name's|\bcall me|\bi'm|\bi am|\bthis is|\bsigned,?|\bsincerely,?|"
                       r"\bregards,?|\bcheers,?|\bmaiden name is|\bname on the account is)\s*$")
_NAMING_CUE_ANYWHERE = re.compile(_NAMING_CUE.pattern.removesuffix(r"\s*$"))
# Every naming cue holds one of these words (a new cue must too; a test checks): a substring test
# on the lowercased text finds the few texts that can hold a cue before the pattern runs over them.
NAMING_CUE_WORDS = ("name", "call")
_MAX_RUN = 4
# Verbs of the weak cues, which open an imperative sentence before a name.
_CUE_VERBS = frozenset("ask tell meet call email text thank invite remind ping message".split())
# An everyday word followed by one of these goes on as a phrase (a verb and its object), not a name.
_PHRASE_GOES_ON = re.compile(r" (?:the|a|an|our|your|my|their|this|these|those|every|all|no) ")
# A name spoken to ("Thanks for the quick reply, Priya!", "Are you coming, Tomasz?") or speaking
# (a transcript's "Greta: can you send me the invoice?") is someone the message is from or to.
_VOCATIVE_BEFORE = re.compile(r",[ \t]*$")
_VOCATIVE_AFTER = re.compile(r"[ \t]*[!?]")
# ... or opening a question or an exclamation ("Margit, could you call me back?", "Ana, look!"):
# a name, a comma and the rest of one sentence that ends in "?" or "!". A statement ("Jane,
# tired of waiting, left.") names its subject, not someone addressed.
_VOCATIVE_OPENING = re.compile(r",[ \t]+[^.!?\n]{1,160}[!?]")
# A request to someone opening the sentence after the comma: the word before it is whom it asks.
_REQUEST_OPENING = re.compile(r"(?i),[ \t]+(?:can|could|would|will)[ \t]+(?:you|i|we)\b[^.!?\n]{0,160}\?")
# Names listed after a cued one ("our co-founders: Anika, Mateo and Okafor") share its cue; after
# a name with no cue ("the mathematician Bernhard Riemann, Riemannian geometry") they do not.
_LIST_GAP = re.compile(r"^[ \t]*(?:,|,?[ \t]*(?:and|&))[ \t]*$")
_POSSESSIVE = re.compile(r"['’]s\b")
# The cue patterns above run once or more for every capitalized word: matched the fast way on
# ASCII text (see caseless.py), with the same spans.
_STRONG_CUE, _WEAK_CUE, _SELF_CUE, _THING_BEFORE_NAME, _NAMING_CUE_ANYWHERE, EPONYM = map(
    Caseless, (_STRONG_CUE, _WEAK_CUE, _SELF_CUE, _THING_BEFORE_NAME, _NAMING_CUE_ANYWHERE, EPONYM))


def eponym_follows(text: str, end: int) -> bool:
    """Whether what follows `end` makes the name before it an eponym or a party of a case."""
    after = text[end:end + 32]
    return bool(EPONYM.match(after) or _VERSUS.match(after))


# A transcript line: a given name at the start of a line, a colon, and a sentence of three words
# or more. Two different speakers make a transcript; one "Cat: Meow" or "Odd: 5, 7" does not.
_SPEAKER_LINE = re.compile(r"(?m)^[ \t]*([A-Z][^\W\d_]+(?:[ \t][A-Z][^\W\d_]+)?):[ \t]+\S+[ \t]+\S+[ \t]+\S+")


def _speakers(text: str) -> frozenset[int]:
    """Starts of the speaker labels of `text`, when it reads as a transcript of two people or more."""
    labels: dict[str, list[int]] = {}
    for m in _SPEAKER_LINE.finditer(text):
        first = m.group(1).split()[0].lower()
        kind = _kind(first, True)
        if kind.given and not kind.ordinary:
            labels.setdefault(m.group(1), []).append(m.start(1))
    if len(labels) < 2:
        return frozenset()
    return frozenset(p for starts in labels.values() for p in starts)


def _skip_spaces(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\n":
        position += 1
    return position


class WordKind(NamedTuple):
    """What one word can be; a word may be several at once ("Will" is a given name and an ordinary word)."""

    given: bool
    family: bool
    ordinary: bool


# A contraction ("I’m", "I’d", "You’ll", "Don’t"): the word lists hold these with a straight
# apostrophe, and text often writes a curly one. Names keep theirs ("O’Brien", "D’Angelo").
_CONTRACTION = re.compile(r"['’](?:m|d|ll|ve|re|t)$")


@lru_cache(maxsize=65536)
def _kind(lower: str, capitalized: bool) -> WordKind:
    """What one lowercase word can be, from the word lists and (capitalized only) the surname shape."""
    if "’" in lower and _CONTRACTION.search(lower):
        return WordKind(False, False, True)
    common = lower in COMMON
    first = lower in FIRST_NAMES
    surname = lower in SURNAMES or (capitalized and len(lower) >= 4 and not common and bool(_SURNAME_SHAPE.search(lower)))
    if not (first or surname) and not lower.isascii():
        # Census-style lists write names without their accents ("lopez", "muller"): "López" and
        # "Müller" are those names. Whether it is an everyday word is still read as written, so
        # "Müller", like "Brown", is a family name that only a given name before it makes one.
        folded = without_accents(lower)
        first, surname = folded in FIRST_NAMES, surname or folded in SURNAMES
    return WordKind(first, surname, common)


# Endings of English and Latinate terms ("Oxidative Phosphorylation"), rare in names.
_TERM_ENDING = re.compile(r"(?:tion|sion|ative|ology|ologies|ism|ment|ness|ity|ics|able|ible|ous|ive|ance|ence|ical|ship|ium|osis)$")
# A capitalized word right before: the run is the tail of a longer title or name ("Ku Klux Klan").
_CAPITALIZED_BEFORE = re.compile(r"(?<![^\W\d_])[A-Z][^\W\d_]?[ -]$")


def _surname_shaped(lower: str) -> bool:
    return len(lower) >= 4 and lower not in COMMON and bool(_SURNAME_SHAPE.search(lower))


def _joinable(text: str, left: Token, right: Token) -> bool:
    gap = text[left.end:right.start]
    if gap == " ":
        return True
    # "Ilse D. Marková": an initial and its dot join the name.
    return gap == ". " and len(left.text) == 1 and left.text.isupper()


def _name_like(token: Token, lowercase_text: bool) -> bool:
    if token.text[0].isupper():
        if token.text.isupper() and len(token.text) > 1:
            # ALL-CAPS words are shouting or acronyms unless they are known names.
            first, surname, common = _kind(token.lower, True)
            return (first or surname) and not common
        return True
    if lowercase_text:
        first, surname, common = _kind(token.lower, False)
        return (first or surname) and not common
    return False


# Names written in Chinese, Japanese or Korean have no capitals and no spaces to find them by:
# only where the writer says it is their name ("我叫王伟", "私の名前は田中太郎です", "제 이름은 김민수입니다"),
# not where a text speaks of names ("名前は大切です", "이름은 필수입니다").
_CJK_SELF_NAME = re.compile(
    r"(?:我叫|我的名字是|我的名字叫|我名叫|本人叫|姓名[:：]\s*)(?P<zh>[\u4e00-\u9fff]{2,3})"
    r"|(?:(?:私|わたし|僕|俺)の名前は|氏名[:：]\s*)(?P<ja>[\u4e00-\u9fff\u30a0-\u30ff]{2,6}?)(?=です|と申します|といいます|。|、|\s|$)"
    r"|(?P<ja_humble>[\u4e00-\u9fff\u30a0-\u30ff]{2,6})(?=と申します|といいます)"
    r"|(?:제 이름은|내 이름은|저의 이름은|이름[:：])\s*(?P<ko>[\uac00-\ud7af]{2,4}?)(?=입니다|이에요|예요|이라고|라고|이고|,|\.|\s|$)"
)
_CJK_SELF_NAME_HINT = re.compile(r"我叫|名字|名叫|本人叫|姓名|名前|氏名|と申します|といいます|이름")
# What follows a two-character Chinese name, not its third character: "我叫王伟电话…", "我叫李明是学生".
_AFTER_ZH_NAME = frozenset("是的在和电住今来从也就了说要想很，,。")


def _cjk_self_names(text: str) -> list[Finding]:
    found = []
    for m in _CJK_SELF_NAME.finditer(text):
        group = m.lastgroup
        start, end = m.start(group), m.end(group)
        if group == "zh" and end - start == 3 and text[end - 1] in _AFTER_ZH_NAME:
            end -= 1
        found.append(Finding(start, end, "PERSON", "name_self", 0.85))
    return found


# The writer's own name in a script our name lists do not cover (they are Latin): Cyrillic, Greek,
# Arabic, Hebrew, Devanagari. After the cue of its language ("Меня зовут", "Με λένε", "اسمي",
# "שמי", "मेरा नाम"), up to three words of that script are the name: capitalized ones in the scripts
# with case, in the others up to two words, before a word that joins a clause ("و" "and", "है" "is").
_SCRIPT_SELF_CUE = re.compile(
    r"(?i)(?:меня[ \t]+зовут|мо[её][ \t]+имя|мене[ \t]+звати|моє[ \t]+ім'я|"
    r"με[ \t]+λένε|ονομάζομαι|το[ \t]+όνομά[ \t]+μου[ \t]+είναι|"
    r"(?:أنا[ \t]+)?اسمي|שמי|קוראים[ \t]+לי|मेरा[ \t]+नाम)[ \t]*[:,—-]?[ \t]*"
)
_SCRIPT_SELF_CUE_HINT = ("зовут", "имя", "звати", "ім'я", "λένε", "ονομάζομαι", "όνομά", "اسمي", "שמי", "קוראים", "नाम")
_CASED_SCRIPT_WORD = re.compile(r"[А-ЯЁІЇЄҐΑ-ΩΆ-Ώ][а-яёіїєґα-ωά-ώϊϋΐΰ'’-]+")
_UNCASED_SCRIPT_WORD = re.compile(r"[\u0590-\u05ff\u0600-\u06ff\u0900-\u097f]+")
_WORD_GAP = re.compile(r"[ \t]{1,3}")
# Words that join a clause after a name in the uncased scripts: not part of it.
_CLAUSE_WORDS = frozenset({"है", "हूँ", "हूं", "और", "وأنا", "وانا", "وهو", "وهي", "ואני", "אני", "ו"})


def _script_self_names(text: str) -> list[Finding]:
    found = []
    for cue in _SCRIPT_SELF_CUE.finditer(text):
        cased = _CASED_SCRIPT_WORD.match(text, cue.end()) is not None
        word, limit = (_CASED_SCRIPT_WORD, 3) if cased else (_UNCASED_SCRIPT_WORD, 2)
        end, count, position = None, 0, cue.end()
        while count < limit:
            m = word.match(text, position)
            if m is None or m.group() in _CLAUSE_WORDS or (count and m.group().startswith("و") and not cased):
                break
            end, count = m.end(), count + 1
            gap = _WORD_GAP.match(text, m.end())
            if gap is None:
                break
            position = gap.end()
        if end is not None:
            found.append(Finding(cue.end(), end, "PERSON", "name_self", 0.85))
    return found


# A Korean given name in Latin letters is two syllables joined by a hyphen, the second in lowercase
# ("Min-jun", "Ji-eun", "Jun-seo"); each syllable as the Revised Romanization (and the spellings
# people still use: "soo", "young", "woo") writes it. English writes words that way too ("Re-run"),
# so the form counts only next to one of the common Korean family names, in either order: "Kim
# Min-jun", "Jun-seo Park".
_KOREAN_SYLLABLE = r"(?:kk|tt|pp|ss|jj|ch|sh|[gkndtrlmbpsjh])?(?:yae|wae|yeo|you|woo|ae|ya|eo|ye|wa|oe|yo|wo|we|wi|yu|eu|ui|oo|ou|ee|[aeoui])(?:ng|[kntlmp])?"
_KOREAN_GIVEN = re.compile(rf"(?i:{_KOREAN_SYLLABLE})-(?:{_KOREAN_SYLLABLE})")
# English compounds of two such syllables; a syllable said twice ("so-so", "yo-yo") is none either.
_NOT_KOREAN = frozenset("go-to to-do re-do re-run no-go re-up ho-hum uh-oh oh-oh".split())
_KOREAN_FAMILY = frozenset("kim lee yi park pak choi choe jung jeong chung kang cho jo yoon yun jang chang lim im han oh seo suh "
                           "shin sin kwon hwang ahn an song yoo yu hong jeon jun ko go moon mun yang son bae baek paik heo "
                           "nam noh roh ha kwak koo gu ryu".split())


def _korean_names(text: str, tokens: tuple[Token, ...]) -> list[Finding]:
    found = []
    for i, token in enumerate(tokens):
        if "-" not in token.text or not token.text[0].isupper() or not token.text[1:].islower() or not _KOREAN_GIVEN.fullmatch(token.text):
            continue
        first_syllable, second_syllable = token.lower.split("-")
        if token.lower in _NOT_KOREAN or first_syllable == second_syllable:
            continue
        for first, last in ((tokens[i - 1], token) if i else (None, None), (token, tokens[i + 1]) if i + 1 < len(tokens) else (None, None)):
            family = first if first is not token else last
            if family is not None and family.lower in _KOREAN_FAMILY and family.text[0].isupper() and text[first.end:last.start] == " ":
                found.append(Finding(first.start, last.end, "PERSON", "name_lexicon", 0.85))
                break
    return found


def people(text: str) -> list[Finding]:
    found = _people(text)
    if "-" in text and text.isascii():
        korean = _korean_names(text, tokenize(text))
        if korean:
            found = without_overlaps(found, korean) + korean
    if not text.isascii():
        if _CJK_SELF_NAME_HINT.search(text):
            found = found + _cjk_self_names(text)
        if any(map(text.lower().__contains__, _SCRIPT_SELF_CUE_HINT)):
            own = _script_self_names(text)
            found = without_overlaps(found, own) + own
    return found


def _people(text: str) -> list[Finding]:
    tokens = tokenize(text)
    if not tokens:
        return []
    # A text with no capital letters at all gets the lowercase rules everywhere.
    lower = text.lower()
    lowercase_text = text == lower
    found: list[Finding] = []
    # Where a naming cue ends, the next word is a name whatever it looks like; found in one pass.
    # "Product name: Razer", "Restaurant Name: Bella's": the name of a thing, not a person.
    named_at = {_skip_spaces(text, m.end()) for m in _NAMING_CUE_ANYWHERE.finditer(text)
                if not _THING_BEFORE_NAME.search(text, max(0, m.start() - 24), m.start())
                } if any(word in lower for word in NAMING_CUE_WORDS) else set()
    n = len(tokens)
    # In cased text a name starts with a capital, a title or a naming cue: the other words are
    # passed over, picked out in C instead of one by one.
    if lowercase_text:
        candidates: range | list[int] = range(n)
    else:
        picked = {*_may_start_name(tokens, capitalized_tokens(text)), *lower_in(tokens, TITLES)}
        if named_at:
            picked.update(i for i, t in enumerate(tokens) if t.start in named_at)
        candidates = sorted(picked)
    next_free = 0
    listed_after: list[int] = []
    speakers = _speakers(text) if ":" in text else frozenset()
    for i in candidates:
        if i < next_free:
            continue
        token = tokens[i]
        naming = token.start in named_at
        # In cased text a title is capitalized or abbreviated: "miss a few" is a verb.
        titled = token.lower in TITLES and (text[token.end:token.end + 1] == "." or (
            text[token.end:token.end + 1] == " " and (lowercase_text or token.text[0].isupper())))
        name_like = _name_like(token, lowercase_text)
        if not (naming or titled or name_like):
            continue
        if titled and i + 1 < n:
            # Everything name-like right after a title is the name ("Mrs. Ayers", "ms. wijtze").
            j = i + 1
            run = [tokens[j]]
            while j + 1 < n and len(run) < 3 and _joinable(text, tokens[j], tokens[j + 1]) and _name_like(tokens[j + 1], True):
                j += 1
                run.append(tokens[j])
            # A family name that is also an everyday word is the name after a title ("Dr. White",
            # "Frau Müller"); an everyday word that is no name is not ("Mr. Right", "Dr. Who"), nor
            # is one after an English title without its dot, as brands write it ("Dr Pepper").
            after_title = _kind(run[0].lower, run[0].text[0].isupper())
            family_word = after_title.family and run[0].text[0].isupper() and (
                text[token.end:token.end + 1] == "." or token.lower not in _ENGLISH_TITLES)
            if (not after_title.ordinary or family_word) and text[token.end:run[0].start].strip(" .") == "":
                found.append(Finding(run[0].start, run[-1].end, "PERSON", "name_title", 0.9))
                next_free = j + 1
                continue
        # After a naming cue any word is a name in lowercase text; in cased text it must look like one.
        naming = naming and (lowercase_text or token.text[0].isupper())
        if not (name_like or (naming and not _kind(token.lower, False).ordinary)):
            continue
        j = i
        # A name's particles do not count towards its length ("Mohammed bin Rashid Al Maktoum"), nor
        # does a cue verb opening the sentence before it ("Tell Mohammed bin Rashid Al Maktoum ...").
        particles = 1 if token.lower in _CUE_VERBS and token.text[1:].islower() else 0
        while j + 1 < n and j - i + 1 - particles < _MAX_RUN and _joinable(text, tokens[j], tokens[j + 1]):
            following = tokens[j + 1]
            if following.lower in TITLES:
                break
            if _name_like(following, lowercase_text) or (naming and not _kind(following.lower, False).ordinary) or (
                    lowercase_text and _kind(tokens[j].lower, False).given and _surname_shaped(following.lower)):
                j += 1
                continue
            # "Maike van de Berg", "Luca di Stefano": particles inside a name, when a name word follows them.
            k = j + 1
            while k < n and k - j <= 2 and tokens[k].lower in _PARTICLES and _joinable(text, tokens[k - 1], tokens[k]):
                k += 1
            if k > j + 1 and k < n and _joinable(text, tokens[k - 1], tokens[k]) and tokens[k].text[0].isupper() and (
                    k - i + 1 - particles - (k - j - 1) <= _MAX_RUN + 1):
                particles += k - j - 1
                j = k
                continue
            break
        run = tokens[i:j + 1]
        # The most common runs by far are never a person, cue or not, and are skipped before the cue
        # patterns run: a lone letter ("I", "A"), and everyday capitalized words that no list holds
        # as a name ("The", "However", "In This"), which _score_run trims off a run's edges. After a
        # cue that announces a family name ("my last name is Baker") an everyday word is the name.
        if ((len(run) == 1 and len(token.text) == 1) or all(
                (kind := _kind(t.lower, t.text[0].isupper())).ordinary and not (kind.given or kind.family) for t in run)) and not (
                naming and _SURNAME_CUE.search(text, max(0, token.start - 32), token.start)):
            next_free = j + 1
            continue
        before = text[max(0, token.start - 32):token.start]
        strong = token.start in named_at or bool(_STRONG_CUE.search(before))
        if len(run) == 1 and not strong and _kind(token.lower, token.text[0].isupper()).ordinary:
            # An everyday word that is also a listed name ("The", "In", "Will") is one only after a
            # strong cue (see _score_run's trimming).
            next_free = j + 1
            continue
        addressed = (bool(_VOCATIVE_BEFORE.search(before)) and bool(_VOCATIVE_AFTER.match(text, run[-1].end))) or (
            len(run) <= 2 and run[0].start in speakers) or (
            bool(_VOCATIVE_OPENING.match(text, run[-1].end)) and sentence_start(text, run[0].start))
        # Only a listed name joins a list ("edited by Anna Berg, Bloomsbury Academic" is a publisher).
        listed = (bool(listed_after) and listed_after[-1] <= run[0].start and bool(_LIST_GAP.match(text[listed_after[-1]:run[0].start]))
                  and any(_kind(t.lower, True).given or _kind(t.lower, True).family for t in run))
        finding = _score_run(text, run, strong, before, addressed or listed)
        if finding is not None:
            found.append(finding)
            if finding.detector == "name_lexicon" and (addressed or listed or _WEAK_CUE.search(before)):
                listed_after.append(finding.end)
        next_free = j + 1
    return found


def _may_start_name(tokens: tuple[Token, ...], capitalized: tuple[int, ...]) -> list[int]:
    """The capitalized tokens of cased text that may start a name, in order. Most capitalized
    words are everyday words no list holds as a name ("The", "However") or a lone letter ("I",
    "A"), with no capitalized word or particle after them to make a longer run: such a word
    alone is never a person (`people` passes over it whatever its cue), so it is dropped here,
    before the cue and run machinery runs for it. Titles and cued words are added back by the caller."""
    following = set(capitalized)
    last = len(tokens) - 1
    return [i for i in capitalized
            if not ((t := tokens[i]).lower in _EVERYDAY_ONLY or len(t.text) == 1)
            or (i < last and (i + 1 in following or tokens[i + 1].lower in _PARTICLES))]


def _supports(token: Token, kind: WordKind) -> bool:
    """Whether a following word makes an ambiguous given name a name: a family name that is no
    everyday word ("Will Smith"), or an initial ("Ilse D. Marková")."""
    return (kind.family and not kind.ordinary) or (len(token.text) == 1 and token.text.isupper() and token.initial)


def _cued_person(text: str, name_start: int, run_start: int, before: str, weak: bool) -> bool:
    """Whether a weak cue before a name says a person: "with" and "by" only after a verb people are
    the object of ("spoke with", "reviewed by"; "Penne with", "made by" are things). The cue may be
    a word trimmed off the run's start (`run_start`): "Ask Giorgos Papadimitriou whether ..."."""
    trimmed_before = text[max(0, name_start - 32):name_start] if name_start != run_start else before
    return bool((weak and not (_THING_CUE.search(before) and not _PERSON_VERB_BEFORE.search(before))) or (
        _WEAK_CUE.search(trimmed_before) and not _THING_CUE.search(trimmed_before)))


def _score_run(text: str, run: list[Token], strong: bool, before: str, cued: bool = False) -> Finding | None:
    start = run[0].start
    # A role opening a sentence before a full name of listed words ("Customer Mehmet Yılmaz
    # complained") is no part of it, though "Customer Support" is an organization's name.
    if len(run) > 2 and run[0].lower in NOT_PERSON_WORDS and all(
            (k.given or k.family) and not k.ordinary for k in (_kind(t.lower, True) for t in run[1:])):
        run = run[1:]
    # An organization or event word anywhere in the run ("Davis Cup", "Tanaka Logistics") makes
    # it a name of something else, checked before ordinary words are trimmed off its edges.
    if any(t.lower in NOT_PERSON_WORDS or t.lower in _GEOGRAPHIC for t in run):
        return None
    kinds = [_kind(t.lower, t.text[0].isupper()) for t in run]
    surname_cued = strong and bool(_SURNAME_CUE.search(before))
    if surname_cued:
        kinds[0] = kinds[0]._replace(family=True)  # "my last name is Baker": the word is the family name
    if len(run) > 1 and run[-1].lower in _DISHES and not (
            kinds[-1].family and not kinds[-1].ordinary and any(k.given and not k.ordinary for k in kinds[:-1])):
        return None
    # In lowercase text, a surname-shaped word after a given name is the family name ("aksel lindqvist").
    if len(run) > 1:  # (most runs are one word)
        kinds = [k._replace(family=True) if i and not k.family and kinds[i - 1].given and run[i].text.islower()
                 and _surname_shaped(run[i].lower) else k for i, k in enumerate(kinds)]
    # "Paraphrase Hubble's observation", "Outline Kepler's laws": a sentence opened by a word that is
    # no name (an instruction's verb), then one name in the possessive, is about someone's work. An
    # English verb is written without diacritics, and a surname of a shape our lists cover thinly
    # stays a name: "Wisława Szczepańska's killers", "Alpatu Shervashidze's killers".
    if (len(run) == 2 and not (kinds[0].given or kinds[0].family) and _POSSESSIVE.match(text, run[1].end)
            and sentence_start(text, run[0].start) and run[0].text.isascii() and not _SURNAME_SHAPE.search(run[1].lower)):
        return None
    # An everyday word that is no name inside a run ("Solar Charging Station", "Grandma Bakes
    # Bread") makes it the name of a product, a title or a slogan: a person's name has only names,
    # initials and particles between its first and last word.
    if len(run) > 2 and any(k.ordinary and not (k.given or k.family) and t.lower not in _PARTICLES and len(t.text) > 1
                            for t, k in zip(run[1:-1], kinds[1:-1])):
        return None
    # Ordinary words at the edges ("Hi Emily", "Emily Said") are not part of the name; a word
    # that is also a listed name ("Will", "Magdalena") stays where a cue or a surname supports it.
    # A verb that cues a name opens the sentence before it, whatever name lists say of the word
    # ("Tell Mohammed ...", "Ask Ana ...").
    while len(run) > 1 and kinds[0].ordinary and run[0].lower in _CUE_VERBS and run[0].text[1:].islower():
        run, kinds = run[1:], kinds[1:]
    # Only a given name is supported by the name after it ("Will Smith"): an everyday word that lists
    # hold only as a family name is a word before another name ("Dear Bob", "Aston Villa").
    while run and kinds[0].ordinary and not ((kinds[0].given or kinds[0].family) and strong
                                             or (kinds[0].given and len(run) > 1 and (
                                                 _supports(run[1], kinds[1])
                                                 # a second given name, then the family name: "Ana María Gómez"
                                                 or (len(run) > 2 and kinds[1].given and not kinds[1].ordinary
                                                     and _supports(run[2], kinds[2]))))):
        run, kinds = run[1:], kinds[1:]
        # "Dear Magdalena": the trimmed word may itself be the cue.
        strong = bool(run) and bool(_STRONG_CUE.search(text[max(0, run[0].start - 32):run[0].start]))
    # A word after an initial ends a name, whatever else it is ("Anna K. Fischer"). After a cue, a
    # capitalized word after a given name no one uses as a word is the family name, however often
    # text uses it ("Account holder: Kofi Boateng": famous bearers put surnames among frequent words).
    cued_surname = (len(run) == 2 and kinds[0].given and not kinds[0].ordinary and run[1].text[0].isupper()
                    and run[1].text[1:].islower() and (strong or cued or bool(_WEAK_CUE.search(before))))
    while run and kinds[-1].ordinary and not (kinds[-1].family or (strong and kinds[-1].given) or cued_surname
                                               or (len(run) > 2 and run[-2].initial and kinds[0].given)):
        run, kinds = run[:-1], kinds[:-1]
    while run and run[0].lower in _ARTICLES:
        run, kinds = run[1:], kinds[1:]
        # "Respectfully,\nThe Century-Old Tree": the cue was for the article, not what follows it.
        strong = bool(run) and bool(_STRONG_CUE.search(text[max(0, run[0].start - 32):run[0].start]))
    if not run:
        return None
    if _CITY_STATE.match(text, run[-1].end):
        return None  # "Beverly Hills, CA 90210": a town and its state
    for k in range(1, len(run)):
        if eponym_follows(text, run[k - 1].end):
            run, kinds = run[:k], kinds[:k]  # "Roth IRA": the name ends where the eponym's noun starts
            break
    if len(run) == 1 and len(run[0].text) == 1:
        return None
    if any(t.lower in NOT_PERSON_WORDS for t in run):
        return None
    if not strong and not (len(run) > 1 and any(k.given and not k.ordinary for k in kinds)) and eponym_follows(text, run[-1].end):
        return None  # "Boyle's law", "Roth IRA"; with a full name ("Anna Berg's equation") it stays a person
    if _CASE_NAME.search(before[-6:]):
        return None
    if _EVENT_OF.search(before):
        return None  # "the Battle of Bunker Hill", "the Treaty of Fort Stanwix": a place of history
    if not any(k.given for k in kinds) and any(t.lower in PLACES for t in run):
        return None  # "Berlin Wall"
    joined = " ".join(t.lower for t in run)
    if joined in PLACES and not strong:
        return None  # the place detector owns it
    # A lone capital is an initial at best ("May I ask"): it names no one by itself.
    kinds = [WordKind(k.given and len(t.text) > 1, k.family and len(t.text) > 1, k.ordinary) for t, k in zip(run, kinds)]
    firsts = sum(k.given and not k.ordinary for k in kinds)
    surnames = sum(k.family and not k.ordinary for k in kinds)
    # Words that are as often ordinary words ("Long March", "The Sun") support nothing alone.
    known = sum((k.given or k.family) and not k.ordinary for k in kinds)
    capitalized = run[0].text[0].isupper() and all(t.text[0].isupper() or t.lower in _PARTICLES for t in run)
    at_start = sentence_start(text, run[0].start)
    weak = (cued or bool(_WEAK_CUE.search(before))) if not strong else False
    if len(run) >= 2 and run[-1].text.endswith("-"):
        return None
    if strong:
        score = 0.85 if (known or capitalized) else 0.6
        # "Dear Reader", "Dear Guest": an everyday word after the cue. A surname that is also an
        # everyday word ("Reader", "Guest") is the word here; only an everyday word that is a given
        # name ("Dear Will", "Dear Hope") is read as a name, unless an article or a determiner
        # follows it: "Name: Save the Pigs", "Name: Love Your Planet" name a campaign or a title.
        if len(run) == 1 and kinds[0].ordinary and (not kinds[0].given or _PHRASE_GOES_ON.match(text, run[0].end)) and not surname_cued:
            return None
        detector = "name_self" if _SELF_CUE.search(text, max(0, run[0].start - 32), run[0].start) else "name_cue"
        return Finding(run[0].start, run[-1].end, "PERSON", detector, score)
    elif len(run) >= 2:
        if firsts and (surnames or capitalized) and known >= 2:
            score = 0.9
        elif firsts and capitalized:
            score = 0.8
        elif surnames and capitalized:
            score = 0.7
        elif known >= 2:
            score = 0.6
        elif len(run) == 2 and capitalized and kinds[1].family and not kinds[0].ordinary and len(run[0].text) > 2 and (
                run[0].text[1:].islower()) and _cued_person(text, run[0].start, start, before, weak):
            # A cue, then a word no list knows and a family name that is also a frequent word ("Attendees:
            # Chloé Dubois and Aarav Sharma", "Meet Aarav Sharma"): a given name our lists lack.
            score = 0.6
        elif len(run) == 3 and run[1].initial and capitalized and not (kinds[0].ordinary or kinds[2].ordinary) and all(
                t.text[1:].islower() and len(t.text) > 2 for t in (run[0], run[2])):
            # "Orvald T. Pruhmer": a middle initial between two name-shaped words that no list
            # knows is how a full name is written, in any language.
            score = 0.7
        elif capitalized and len(run) <= 3 and run[0].lower not in _PARTICLES and all(
                t.lower in _PARTICLES or (not k.ordinary and t.text[1:].islower() and len(t.text) > 2 and not _TERM_ENDING.search(t.lower))
                for t, k in zip(run, kinds)) and not (
                _CAPITALIZED_BEFORE.search(text, max(0, run[0].start - 8), run[0].start)):
            # Two or three capitalized words that no list knows and none an everyday word (a particle
            # inside, "Siobhán Ní Bhriain", aside): a name from a language our lists cover thinly, or
            # a product, a dish, a star. Only other PII in the text says which (see detect.py), so
            # it is reported under its own detector;
            # unless a cue around it says a person: "the assistant to Aristóteles Ávalos",
            # "Ubul Csonka listed his top songs", "Ondřej Zbyněk said".
            # The cue may be a word trimmed off the run: "Ask Giorgos Papadimitriou whether ...".
            if _cued_person(text, run[0].start, start, before, weak) or _PERSON_AFTER.match(text, run[-1].end):
                return Finding(run[0].start, run[-1].end, "PERSON", "name_context", 0.6)
            return Finding(run[0].start, run[-1].end, "PERSON", "name_unknown", 0.5)
        else:
            return None
    else:
        first, surname, common = kinds[0]
        if run[0].text.isupper() and len(run[0].text) <= 4:
            return None  # "IBAN", "RAM", "AE": an acronym alone, however it reads in the name lists
        if common:
            return None
        if first:
            score = 0.75 if capitalized else 0.5
        elif surname and capitalized:
            score = 0.55 if not at_start else 0.45
        elif capitalized and weak and not at_start and run[0].text[1:].islower():
            score = 0.45
        elif capitalized and at_start and len(run[0].text) > 2 and run[0].text[1:].islower() and _REQUEST_OPENING.match(text, run[0].end):
            # "Warrane, can I please speak to your boss?": a word no list knows, asked something.
            score = 0.45
        elif capitalized and len(run[0].text) > 2 and run[0].text[1:].islower() and _PERSON_AFTER.match(text, run[0].end):
            # "Ciset lives on Rua Mina 50": a word no list knows that does what people do. Alone,
            # it is a lone name like any other (see detect.py).
            score = 0.55
        else:
            return None
        if weak:
            score += 0.1
        if not weak:
            # A given name alone, with no cue around it: "Jane knew something was wrong", "David
            # must be the secretary". Whether it identifies anyone depends on the rest of the text
            # (see detect.py), so it is reported under its own detector.
            return Finding(run[0].start, run[-1].end, "PERSON", "name_alone", round(min(score, 0.95), 2))
    return Finding(run[0].start, run[-1].end, "PERSON", "name_lexicon", round(min(score, 0.95), 2))


# What parts an addressee's line from the address block under it: a line break (or two), a run of spaces
# (a block flattened onto one line), or a comma.
_ADDRESSEE_GAP = re.compile(r"(?:[ \t]*(?:\n[ \t]*){1,2}|[ \t]{2,}|[ \t]*,[ \t]*)\Z")
# What may open the line before the name: a label ("To:", "Ship to:", "Attn:").
_ADDRESSEE_LABEL = re.compile(r"(?:^|:)[ \t>*-]*\Z")


def addressees(text: str, address_starts: list[int]) -> list[Finding]:
    """The name that heads an address block ("Summer Vähämaa\\n45 Harbour Road"), as a letter or a
    label writes it: a line of two or three capitalized words right before a street address found
    by the address rules. A name word may be an everyday word that lists also hold as a name
    ("Summer"), but not an everyday word alone ("Main Office") nor
    the word of an organization or a place ("Acme Corp", "Hotel Adlon", "Berlin Mitte")."""
    tokens = tokenize(text)
    starts = [t.start for t in tokens]
    out: list[Finding] = []
    for start in address_starts:
        gap = _ADDRESSEE_GAP.search(text, max(0, start - 12), start)
        if gap is None:
            continue
        line_start = text.rfind("\n", 0, gap.start()) + 1
        first = bisect_left(starts, line_start)
        last = bisect_left(starts, gap.start())
        run = list(tokens[first:last])
        if not 2 <= len(run) <= 3 or run[-1].end != gap.start() or not _ADDRESSEE_LABEL.search(text, line_start, run[0].start):
            continue
        if not all(_joinable(text, a, b) for a, b in zip(run, run[1:])):
            continue
        words_ = [t for t in run if not t.initial]
        if len(words_) < 2 or not all(t.text[0].isupper() and t.text[1:].islower() and len(t.text) > 1 for t in words_):
            continue
        if any(t.lower in _EVERYDAY_ONLY or t.lower in NOT_PERSON_WORDS or t.lower in _GEOGRAPHIC or t.lower in PLACES
               for t in words_) or all(_kind(t.lower, True).ordinary for t in words_):
            continue
        out.append(Finding(run[0].start, run[-1].end, "PERSON", "name_addressee", 0.7))
    return out
