"""One record's scan under a policy: detect, propagate, redact with placeholders, re-scan.

Placeholders are numbered per record and type, `[PERSON_1]`, `[PERSON_2]`: the same value
(compared case- and whitespace-insensitively) gets the same placeholder in every field of the
record, so "Anna wrote to Ben; Ben answered" stays readable as "[PERSON_1] wrote to [PERSON_2];
[PERSON_2] answered". Numbering is per record, so it reveals nothing across records.

What redaction wrote is scanned again (bounded, `MAX_RESCANS`): a placeholder and its neighbours
must not read as PII, and a span a first pass only partly covered is widened to the whole; a record
still holding a redact-or-drop finding after that is dropped with reason `residual_pii:<TYPE>`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from data_assets.compliance.caseless import Caseless
from data_assets.compliance.detect import detect, detect_normalized
from data_assets.compliance.findings import Finding, resolve_overlaps
from data_assets.compliance.names import COMMON
from data_assets.compliance.normalize import control_characters, normalize
from data_assets.compliance.policy import CompliancePolicy
from data_assets.compliance.tokens import tokenize


@dataclass(frozen=True)
class ScanOutcome:
    """One record's scan: `status` pass | redacted | dropped, the (redacted) `fields`, every
    finding at or above the policy's score per field, the `reasons`, and redaction counts."""

    status: str
    fields: dict[str, str]
    findings: dict[str, list[Finding]]
    reasons: list[str]
    redacted: Counter = field(default_factory=Counter)

    @property
    def redaction_detail(self) -> str:
        """"EMAIL x2, PHONE x1": counts by type, never values (for lineage edges and logs)."""
        return ", ".join(f"{t} x{n}" for t, n in sorted(self.redacted.items()))


def _propagate(fields: Mapping[str, str], findings: dict[str, list[Finding]], policy: CompliancePolicy) -> dict[str, list[Finding]]:
    """A value found once is found everywhere in the record: "My name is Ottilie Brandvold"
    makes the bare "Ottilie Brandvold" of the answer a name too, though the detector alone
    would not have known it."""
    known: dict[str, tuple[str, float]] = {}
    for name, found in findings.items():
        text = fields[name] or ""
        for f in found:
            value = text[f.start:f.end]
            # A name the word lists guessed at is not evidence enough to hunt for elsewhere ("Brown
            # Rice" on a menu must not make "brown rice" a person); a cued or titled name is.
            if f.entity_type == "PERSON" and f.detector not in _EVIDENT_NAME_DETECTORS:
                continue
            if policy.action(f.entity_type) != "flag" and f.length >= 3:
                known.setdefault(_propagation_key(f.entity_type, text[f.start:f.end]), (f.entity_type, f.score))
    if not known:
        return findings
    pattern = re.compile(
        "|".join(rf"(?<!\w){re.escape(v)}(?!\w)" for v in sorted(known, key=len, reverse=True)), re.IGNORECASE
    )
    out: dict[str, list[Finding]] = {}
    for name, found in findings.items():
        text = fields[name] or ""
        extra = []
        for m in pattern.finditer(text):
            hit = known.get(m.group().casefold()) or known.get(m.group())
            if hit is not None and not any(f.start < m.end() and m.start() < f.end for f in found):
                extra.append(Finding(m.start(), m.end(), hit[0], "record_propagation", hit[1]))
        out[name] = resolve_overlaps([*found, *extra]) if extra else found
    return out


_EVIDENT_NAME_DETECTORS = frozenset({"name_cue", "name_self", "name_title"})


# The words of a name, without a possessive "'s" or punctuation ("Yefremova's" -> "Yefremova").
_NAME_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*(?:['’](?![sS]\b)[^\W\d_]+)?")


# A capitalized word joined to what follows by a space or a hyphen: unless an everyday word
# ("Later", "Yes"), the start of a longer name.
_CAPITALIZED_WORD_BEFORE = re.compile(r"(?<![^\W\d_])[A-Z][^\W\d_]*[ -]\Z")
# A space or a hyphen, then a word holding a capital: what follows a word of a longer name.
_CAPITALIZED_WORD_AFTER = re.compile(r"[ -][^\W\d_]*[A-Z]")


def _corefer(fields: Mapping[str, str], findings: dict[str, list[Finding]], policy: CompliancePolicy) -> dict[str, list[Finding]]:
    """A lone name that is a word of a person the record redacts is that person: after "Anna
    Kowalczyk wrote the song", "Kowalczyk was 20" names her too, and keeping it would leave
    the surname the placeholder hid. Only names the detectors already took for a lone name
    (`GIVEN_NAME`) qualify, compared as written, so an ordinary word never becomes a person."""
    if policy.action("PERSON") == "flag" or policy.action("GIVEN_NAME") != "flag":
        return findings
    words = {
        word
        for name, found in findings.items()
        for f in found if f.entity_type == "PERSON"
        for word in _NAME_WORD.findall((fields[name] or "")[f.start:f.end]) if len(word) >= 3
    }
    if not words:
        return findings
    out = {
        name: [Finding(f.start, f.end, "PERSON", "record_coreference", f.score)
               if f.entity_type == "GIVEN_NAME" and (fields[name] or "")[f.start:f.end] in words else f for f in found]
        for name, found in findings.items()
    }
    # A word of a full name that no list knows, capitalized as in the name and no everyday word, is
    # that person too where no detector took it ("Aristóteles Ávalos ... Aristóteles spent a year"),
    # when it stands alone: "Estée Lauder" the person is not "the Estée Lauder Companies".
    unlisted = {
        word
        for name, found in findings.items()
        for f in found if f.entity_type == "PERSON" and " " in (value := (fields[name] or "")[f.start:f.end]).strip()
        for word in _NAME_WORD.findall(value) if len(word) >= 3 and word[0].isupper() and word.lower() not in COMMON
    }
    if not unlisted:
        return out
    for name, found in out.items():
        text = fields[name] or ""
        # The tokens are the detectors' own (cached for the text just scanned), so no pattern is
        # built per record; a word joined to a capitalized one ("Lauder Companies") is part of a
        # longer name, and so is one right after a capitalized word that is no everyday word.
        extra = [Finding(t.start, t.end, "PERSON", "record_coreference", 0.6) for t in (tokenize(text) if text else ())
                 if t.text in unlisted
                 and not _CAPITALIZED_WORD_AFTER.match(text, t.end)
                 and not ((before := _CAPITALIZED_WORD_BEFORE.search(text, max(0, t.start - 40), t.start))
                          and before.group().rstrip(" -").lower() not in COMMON)
                 and not any(f.start < t.end and t.start < f.end for f in found)]
        if extra:
            out[name] = resolve_overlaps([*found, *extra])
    return out


def _propagation_key(entity_type: str, value: str) -> str:
    """How a found value is looked for elsewhere in the record: identifiers in any case, a name
    of one word only as written ("White" the person is not "black and white")."""
    if entity_type in ("PERSON", "GIVEN_NAME") and " " not in value.strip():
        return value
    return value.casefold()


def _value_key(value: str) -> str:
    return " ".join(normalize(value).text.casefold().split())


# Bounded: each round can only widen spans, and a record still holding PII after them is dropped.
MAX_RESCANS = 2
# Where a creative-writing request names its characters, the names are the story, not people
# to protect: "Write a story about Harry and Sally" keeps both, flagged as CHARACTER. It takes a
# request for a piece of writing (a verb asking for it, or the piece followed by what it is
# about), not the mere word: "the verses of Anna Berg's song" or "a play by" in a
# message, and "special characters" in code, name real people or nobody.
_CREATIVE_WORK = (
    r"(?:(?:short |bedtime |fairy |love |ghost |funny |sci-fi |science fiction )?(?:story|stories|tale|tales|fable|poem|"
    r"sonnet|haiku|limerick|ballad|screenplay|script|scene|dialogue|dialog|play|novel|fiction|fanfic|lyrics|song|"
    r"narrative|comic|rap|monologue|skit|sketch|conversation|chapter|episode|plot|riddle|joke))s?"
)
_CREATIVE_CUE = re.compile(
    r"(?i)\b(?:write|compose|create|generate|draft|tell|make up|invent|imagine|continue|finish|complete|narrate|develop|"
    r"outline|brainstorm|plan|come up with|craft|pen|produce|rewrite|improvise|script|act out|role-?play)\b[^.!?\n]{0,60}?\b"
    + _CREATIVE_WORK
    + r"\b|\b"
    + _CREATIVE_WORK
    + r"\s+(?:about|where|in which|featuring|starring|involving|between|with (?:a )?characters?)\b"
    r"|\b(?:once upon a time|role-?play|protagonist|main characters?|a character (?:named|called))\b"
    r"|\bcharacters?\s*(?::|named|called)"
    # A request about a work ("Summarize the movie 'Toy Story'", "the story of Hansel and Gretel"):
    # its names are its characters, not people to protect.
    r"|\b(?:summari[sz]e|describe|analy[sz]e|review|discuss|retell|explain|interpret|critique)\b[^.!?\n]{0,40}?\b"
    r"(?:the |this |that |a )?(?:story|stories|tale|fable|movie|film|novel|book|play|poem|show|series|episode|plot|"
    r"musical|opera|cartoon|anime|sitcom|fairy tale|myth|legend)s?\b"
    r"|\b(?:this|the following|the given|following|given) (?:short )?(?:story|poem|tale|fable|novel|play|scene|dialogue|script)\b"
)
_CREATIVE_CUE = Caseless(_CREATIVE_CUE)  # the same spans, faster on ASCII text (see caseless.py)
# "characters from Emma", "characters in the popular show", not "special characters from the file":
# a capital after the preposition counts, so this one keeps its case.
_CHARACTERS_OF_A_WORK = re.compile(
    r"\b[Cc]haracters?\s+(?i:from|of|in)\s+(?:(?i:the|a|this|that)\s+)?(?:(?i:popular|famous|classic|animated|hit)\s+)?"
    r"(?:[A-Z\"“']|(?i:show|novel|book|movie|film|play|series|story|tale|cartoon|game|musical|sitcom)\b)"
)
_PROMPT_FIELDS = ("instruction", "prompt", "input")


def _may_be_character(f: Finding) -> bool:
    """A finding a creative-writing request makes a CHARACTER: a name, unless the writer's own."""
    return f.entity_type in ("PERSON", "GIVEN_NAME") and f.detector != "name_self"


def _as_characters(found: list[Finding]) -> list[Finding]:
    """`found` with the names a creative-writing request holds re-typed CHARACTER."""
    return [Finding(f.start, f.end, "CHARACTER", f.detector, f.score) if _may_be_character(f) else f for f in found]


def _is_creative_request(fields: Mapping[str, str]) -> bool:
    """Whether the record's prompt asks for a piece of writing or about a work (see `_CREATIVE_CUE`)."""
    prompts = [fields[n] for n in _PROMPT_FIELDS if n in fields] or list(fields.values())
    return any(_CREATIVE_CUE.search(t) or ("haracter" in t and _CHARACTERS_OF_A_WORK.search(t)) for t in prompts)


def still_acted_on(fields: Mapping[str, str], policy: CompliancePolicy, record: Mapping[str, str] | None = None
                   ) -> dict[str, list[Finding]]:
    """What a fresh scan of `fields` (redacted output) finds that `policy` acts on, per field that
    holds any: read under the record's rules as the first pass read it, so a name in a
    creative-writing request is a character (flagged by default) here too. `record`, the whole
    record the fields belong to, is where the request is looked for (default: `fields`)."""
    out: dict[str, list[Finding]] = {}
    creative: bool | None = None
    for name, text in fields.items():
        found = [f for f in detect(text, policy.ner_model) if f.score >= policy.min_score]
        if any(_may_be_character(f) for f in found):
            if creative is None:
                creative = _is_creative_request(record if record is not None else fields)
            if creative:
                found = _as_characters(found)
        found = [f for f in found if policy.action(f.entity_type) != "flag"]
        if found:
            out[name] = found
    return out


@dataclass(frozen=True)
class _Segment:
    """A piece of rendered output: verbatim raw text, or the placeholder of a raw span."""

    out_start: int
    out_end: int
    raw_start: int
    raw_end: int
    placeholder: bool


def _name_aliases(fields: Mapping[str, str], acted: Mapping[str, list[Finding]]) -> dict[tuple[str, str], tuple[str, str]]:
    """The placeholder key of each one-word name the record redacts that is a word of exactly one
    of its full names, mapped to that name's: "directed by Joakim Westgård and starring Westgård"
    becomes "directed by [PERSON_1] and starring [PERSON_1]", one person as in the text."""
    values = {_value_key(fields[name][f.start:f.end]) for name, found in acted.items() for f in found if f.entity_type == "PERSON"}
    full = [v for v in values if " " in v]
    aliases = {}
    for value in values:
        if " " not in value:
            owners = [v for v in full if value in v.split()]
            if len(owners) == 1:
                aliases[("PERSON", value)] = ("PERSON", owners[0])
    return aliases


def _render(text: str, acted: list[Finding], numbering: dict, per_type: Counter, policy: CompliancePolicy,
            counts: Counter, aliases: Mapping[tuple[str, str], tuple[str, str]]) -> tuple[str, list[_Segment]]:
    pieces: list[str] = []
    segments: list[_Segment] = []
    out = 0

    def verbatim(start: int, end: int) -> None:
        nonlocal out
        # Control characters are removed wherever they are; the text around them stays.
        cursor = start
        for c_start, c_end in [*control_characters(text[start:end]), (end - start, end - start)]:
            piece = text[cursor:start + c_start]
            if piece:
                pieces.append(piece)
                segments.append(_Segment(out, out + len(piece), cursor, start + c_start, False))
                out += len(piece)
            cursor = start + c_end

    cursor = 0
    for f in acted:
        verbatim(cursor, f.start)
        action = policy.action(f.entity_type)
        if action == "remove":
            replacement = ""
        else:
            key = (f.entity_type, _value_key(text[f.start:f.end]))
            key = aliases.get(key, key)
            if key not in numbering:
                per_type[f.entity_type] += 1
                suffix = f"_{per_type[f.entity_type]}" if policy.number_placeholders else ""
                numbering[key] = f"[{f.entity_type}{suffix}]"
            replacement = numbering[key]
        pieces.append(replacement)
        segments.append(_Segment(out, out + len(replacement), f.start, f.end, True))
        out += len(replacement)
        counts[f.entity_type] += 1
        cursor = f.end
    verbatim(cursor, len(text))
    return "".join(pieces), segments


def _raw_span(segments: list[_Segment], start: int, end: int) -> tuple[int, int]:
    """The raw span behind output `[start, end)`: a placeholder touched counts whole."""
    raw_start = raw_end = None
    for seg in segments:
        if seg.out_end <= start and not (seg.placeholder and seg.out_start == seg.out_end == start):
            continue
        if seg.out_start >= end and raw_start is not None:
            break
        if raw_start is None:
            raw_start = seg.raw_start if seg.placeholder else seg.raw_start + max(0, start - seg.out_start)
        raw_end = seg.raw_end if seg.placeholder else seg.raw_start + min(seg.out_end, end) - seg.out_start
    if raw_start is None or raw_end is None:
        last = segments[-1] if segments else None
        position = last.raw_end if last else 0
        return position, position
    return raw_start, raw_end


def _widen(found: list[Finding], residual: Finding) -> list[Finding]:
    """`found` with `residual` (raw offsets) taking in every finding it overlaps."""
    touched = [f for f in found if f.start < residual.end and residual.start < f.end]
    start = min([residual.start, *(f.start for f in touched)])
    end = max([residual.end, *(f.end for f in touched)])
    merged = Finding(start, end, residual.entity_type, residual.detector, residual.score)
    return sorted([f for f in found if f not in touched] + [merged], key=lambda f: (f.start, f.end))


def scan_and_redact(
    fields: Mapping[str, str],
    policy: CompliancePolicy | None = None,
    license_: str | None = None,
    check_license: bool = False,
) -> ScanOutcome:
    """Scan text fields together (one record) and apply `policy`.

    Other stages call this on generated text (`check_license` False: model output has no
    source license). A record is dropped when any finding's type is a "drop" type, when a
    blocked term appears, when (with `check_license`) its license is not allowed, or when its
    redacted text still holds a redact-or-drop finding after `MAX_RESCANS` rounds of re-scanning
    (`residual_pii:<TYPE>`). Its fields still come back redacted (drop types included), so a
    dropped record's text is safe to keep for inspection.
    """
    policy = policy or CompliancePolicy()
    fields = {name: text or "" for name, text in fields.items()}
    # Detection and the blocked-term test read the same normalized views: each is made once.
    views = {name: normalize(text) for name, text in fields.items()}
    findings: dict[str, list[Finding]] = {}
    for name, view in views.items():
        findings[name] = [f for f in detect_normalized(view, policy.ner_model) if f.score >= policy.min_score]
    findings = _corefer(fields, _propagate(fields, findings, policy), policy)
    # The creative-writing cue is looked for only where it would change something: in a record
    # with a name it would make a character.
    if any(_may_be_character(f) for found in findings.values() for f in found) and _is_creative_request(fields):
        findings = {name: _as_characters(found) for name, found in findings.items()}
    reasons: list[str] = []
    if check_license:
        reason = policy.license_reason(license_)
        if reason:
            reasons.append(reason)
    reasons.extend(policy.blocked_term_reasons(view.text for view in views.values()))
    drop_types = sorted({f.entity_type for fs in findings.values() for f in fs if policy.action(f.entity_type) == "drop"})
    reasons.extend(f"pii_drop:{t}" for t in drop_types)
    controls = {name: [Finding(s, e, "CONTROL_CHARACTER", "control_character", 1.0) for s, e in view.control_characters()]
                for name, view in views.items()}
    if any(controls.values()) and policy.action("CONTROL_CHARACTER") == "drop":
        reasons.append("pii_drop:CONTROL_CHARACTER")
    if not any(findings.values()) and not any(controls.values()):
        # Nothing found and nothing to remove (most records): the fields come back as they came,
        # and there is nothing to re-scan.
        return ScanOutcome("dropped" if reasons else "pass", dict(fields), {name: [] for name in fields}, reasons)

    acted = {name: [f for f in found if policy.action(f.entity_type) != "flag"] for name, found in findings.items()}
    for rescan in range(MAX_RESCANS + 1):
        aliases = _name_aliases(fields, acted)
        numbering: dict[tuple[str, str], str] = {}
        per_type: Counter = Counter()
        counts: Counter = Counter()
        redacted_fields: dict[str, str] = {}
        segments: dict[str, list[_Segment]] = {}
        for name, text in fields.items():
            if acted[name] or controls[name]:
                redacted_fields[name], segments[name] = _render(text, acted[name], numbering, per_type, policy, counts, aliases)
            else:
                redacted_fields[name] = text  # nothing to replace or remove: the text as it came
        # What redaction wrote is scanned again: a placeholder and its neighbours must not read as
        # PII, and what a first pass only partly covered ("21 [PERSON_1] matía 66 Apt. 617") is
        # widened to the whole span. Unchanged fields need no second look: same text, same findings.
        residual = still_acted_on({name: out for name, out in redacted_fields.items() if out != fields[name]}, policy, record=fields)
        if not residual:
            break
        if rescan == MAX_RESCANS:
            reasons.extend(f"residual_pii:{t}" for t in sorted({f.entity_type for fs in residual.values() for f in fs}))
            break
        for name, found in residual.items():
            for f in found:
                start, end = _raw_span(segments[name], f.start, f.end)
                if end > start:
                    acted[name] = _widen(acted[name], Finding(start, end, f.entity_type, f"rescan_{f.detector}", f.score))
    kept_flags = {name: [f for f in found if policy.action(f.entity_type) == "flag"] for name, found in findings.items()}
    findings = {name: sorted(acted[name] + kept_flags[name], key=lambda f: (f.start, f.end)) + controls[name] for name in fields}
    counts.pop("CONTROL_CHARACTER", None)
    removed = sum(len(c) for c in controls.values())
    if removed:
        counts["CONTROL_CHARACTER"] = removed
    flagged = sorted({f.entity_type for fs in kept_flags.values() for f in fs})
    if reasons:
        return ScanOutcome("dropped", redacted_fields, findings, reasons, counts)
    reasons = [f"{'remove' if policy.action(t) == 'remove' else 'redact'}:{t}" for t in sorted(counts)] + [f"flag:{t}" for t in flagged]
    return ScanOutcome("redacted" if counts else "pass", redacted_fields, findings, reasons, counts)
