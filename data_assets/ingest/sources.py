"""The sources YAML: what to read, how to decode and map it, and what role its records play."""

from __future__ import annotations

import difflib
import glob
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from data_assets.conversations.layouts import CONVERSATION_FIELDS, DEFAULT_FIELDS, STYLES
from data_assets.ingest.encoding import normalize_encoding
from data_assets.ingest.readers import ReadOptions

ROLES = ("train", "seed", "eval", "preference")
ORIGINS = ("human", "synthetic")
FORMATS = ("json", "jsonl", "csv", "parquet")
INSTRUCTION_FIELDS = ("instruction", "input", "response")
PREFERENCE_FIELDS = ("prompt", "chosen", "rejected")
REQUIRED_FIELDS = ("instruction", "response", "chosen", "rejected", "messages")
KEYS = ("name", "path", "format", "role", "origin", "license", "fields", "encoding", "delimiter", "conversation")
_EXTENSIONS = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}


class SourceConfigError(ValueError):
    """The sources are wrong; each problem names the source and what to change. All problems
    found are reported together, so one run shows everything to fix."""

    def __init__(self, problems: str | list[str], context: str = ""):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        prefix = f"{context}: " if context else ""
        if len(self.problems) == 1:
            message = prefix + self.problems[0]
        else:
            message = f"{prefix}{len(self.problems)} problems:\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(message)


@dataclass(frozen=True)
class Source:
    name: str
    path: str                   # file or glob, as written in the YAML
    role: str
    origin: str
    license: str | None
    fields: dict[str, str]      # canonical name -> the source's own column (dotted path into JSON); "" for none
    format: str | None = None   # inferred from each file's extension when absent
    base_dir: Path = field(default=Path("."))
    encoding: str | None = None  # None: a byte-order mark decides, else UTF-8
    delimiter: str | None = None  # CSV only; None: sniffed per file
    explicit: frozenset[str] = frozenset()  # the fields the YAML maps itself (the rest read the same-named column)
    conversation: str | None = None  # messages | sharegpt | chatlog: rows are whole conversations (raw.conversations)

    @property
    def is_preference(self) -> bool:
        return self.role == "preference"

    @property
    def read_options(self) -> ReadOptions:
        return ReadOptions(encoding=self.encoding, delimiter=self.delimiter)

    def pattern(self) -> str:
        path = Path(self.path).expanduser()
        return str(path if path.is_absolute() else self.base_dir / path)

    def files(self) -> list[Path]:
        """The files this source matches now, sorted; an error naming source and path when none."""
        matches = sorted(Path(p) for p in glob.glob(self.pattern(), recursive=True) if Path(p).is_file())
        if not matches:
            raise SourceConfigError(f"source {self.name!r}: path {self.path!r} ({self.pattern()}) matches no file")
        return matches

    def format_of(self, file: Path) -> str:
        if self.format:
            return self.format
        suffix = file.suffix.lower()
        if suffix not in _EXTENSIONS:
            raise SourceConfigError(
                f"source {self.name!r}: cannot infer the format of {file.name}; set `format` to one of {', '.join(FORMATS)}"
            )
        return _EXTENSIONS[suffix]

    def relative_uri(self, file: Path) -> str:
        """The file's path relative to the YAML's folder when inside it: stable when the tree moves."""
        try:
            return str(file.resolve().relative_to(self.base_dir.resolve()))
        except ValueError:
            return str(file.resolve())

    def columns_to_check(self) -> dict[str, str]:
        """Canonical field -> the column each file must have: every field the YAML maps, and the
        required fields left to their same-named column. An optional field left out may be absent."""
        return {name: column for name, column in self.fields.items()
                if column and (name in self.explicit or name in REQUIRED_FIELDS)}


def load_sources(path: str | Path, origin: str = "DATA_ASSETS_SOURCES") -> list[Source]:
    """Parse and validate a sources YAML; relative paths resolve against the YAML's folder.

    `origin` says where the path came from (an environment variable, a run config), so an
    error points at what to change. Every problem of every source is reported at once.
    """
    yaml_path = Path(path)
    where = f"sources file {yaml_path} (from {origin})"
    if not yaml_path.is_file():
        raise SourceConfigError(f"{where} does not exist")
    try:
        text = yaml_path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise SourceConfigError(f"{where} is not UTF-8 text (byte {error.start})") from None
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise SourceConfigError(f"{where} is not valid YAML: {_yaml_problem(error, text)}") from None
    entries = document.get("sources") if isinstance(document, dict) else document
    if not isinstance(entries, list) or not entries:
        raise SourceConfigError(f"{where}: expected a non-empty `sources:` list")
    sources: list[Source] = []
    problems: list[str] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        source, entry_problems = _parse_source(entry, index, yaml_path.parent.resolve())
        problems += entry_problems
        if source is None:
            continue
        if source.name in seen:
            problems.append(f"source name {source.name!r} is used twice")
        seen.add(source.name)
        sources.append(source)
    if problems:
        raise SourceConfigError(problems, where)
    return sources


def _yaml_problem(error: yaml.YAMLError, text: str) -> str:
    """`line 4, column 12: mapping values are not allowed here`, with the offending line."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if mark is None:
        return problem
    lines = text.splitlines()
    shown = f"\n    {lines[mark.line]}\n    {' ' * mark.column}^" if mark.line < len(lines) else ""
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}{shown}"


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _parse_source(entry: object, index: int, base_dir: Path) -> tuple[Source | None, list[str]]:
    if not isinstance(entry, dict):
        return None, [f"source #{index}: expected a mapping, got {type(entry).__name__}"]
    name = entry.get("name")
    if not name or not isinstance(name, str):
        return None, [f"source #{index}: `name` is required"]
    where = f"source {name!r}"
    problems = [f"{where}: unknown key {key!r}{did_you_mean(str(key), KEYS)}; a source has {', '.join(KEYS)}"
                for key in entry if key not in KEYS]
    problems += [f"{where}: `{key}` is required" for key in ("path", "role", "origin") if not entry.get(key)]
    role, origin, fmt = entry.get("role"), entry.get("origin"), entry.get("format")
    conversation = entry.get("conversation")
    if conversation is not None and conversation not in STYLES:
        problems.append(f"{where}: conversation {conversation!r} is not one of {', '.join(STYLES)}")
    if conversation is not None and role == "preference":
        problems.append(f"{where}: a conversation source has role train, seed or eval; its feedback becomes preference pairs")
    if role and role not in ROLES:
        problems.append(f"{where}: role {role!r} is not one of {', '.join(ROLES)}")
    if origin and origin not in ORIGINS:
        problems.append(f"{where}: origin {origin!r} is not one of {', '.join(ORIGINS)}")
    if fmt is not None and fmt not in FORMATS:
        problems.append(f"{where}: format {fmt!r} is not one of {', '.join(FORMATS)}")
    encoding, encoding_problem = _encoding(entry.get("encoding"), fmt, where)
    delimiter, delimiter_problem = _delimiter(entry.get("delimiter"), fmt, where)
    problems += [p for p in (encoding_problem, delimiter_problem) if p]
    canonical = CONVERSATION_FIELDS if conversation else PREFERENCE_FIELDS if role == "preference" else INSTRUCTION_FIELDS
    fields = entry.get("fields") or {}
    if not isinstance(fields, dict):
        return None, problems + [f"{where}: `fields` must map canonical names to column names"]
    for unknown in sorted(set(fields) - set(canonical), key=str):
        problems.append(f"{where}: unknown field {unknown!r}{did_you_mean(str(unknown), canonical)}; "
                        f"a {'conversation' if conversation else role or 'train'} source maps {', '.join(canonical)}")
    for required in REQUIRED_FIELDS:
        if required in canonical and required in fields and not fields[required]:
            problems.append(f"{where}: field {required!r} is required and cannot be mapped to no column")
    if problems:
        return None, problems
    # A field left out of the mapping is read from the column of the same name.
    mapping = {c: "" if fields.get(c, c) is None else str(fields.get(c, c)) for c in canonical}
    if conversation:
        # A conversation layout knows where its parts are; feedback columns are read only when mapped.
        defaults = {name: "" for name in CONVERSATION_FIELDS} | DEFAULT_FIELDS[conversation]
        mapping = {c: "" if fields.get(c, defaults[c]) is None else str(fields.get(c, defaults[c])) for c in canonical}
    if role == "preference" and "prompt" not in fields:
        # Dialogue-style preference data (hh-rlhf) has no prompt column: the prompt is the shared
        # prefix of chosen and rejected. An empty mapping asks the ingest to split it off.
        mapping["prompt"] = ""
    return Source(
        name=name,
        path=str(entry["path"]),
        role=role,
        origin=origin,
        license=entry.get("license"),
        fields=mapping,
        format=fmt,
        base_dir=base_dir,
        encoding=encoding,
        delimiter=delimiter,
        explicit=frozenset(f for f in fields if f in canonical),
        conversation=conversation,
    ), []


def _encoding(value: object, fmt: str | None, where: str) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    if fmt == "parquet":
        return None, f"{where}: `encoding` does not apply to parquet files (their text is always UTF-8)"
    try:
        return normalize_encoding(str(value)), None
    except LookupError:
        return None, f"{where}: unknown encoding {value!r}; use a Python codec name such as utf-8, utf-16, cp1252 or latin-1"


def _delimiter(value: object, fmt: str | None, where: str) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    if fmt is not None and fmt != "csv":
        return None, f"{where}: `delimiter` applies to CSV files only, and this source's format is {fmt}"
    text = "\t" if value in ("\\t", "tab") else str(value)
    if len(text) != 1 or text in "\"\r\n":
        return None, f"{where}: delimiter {value!r} must be one character other than a quote or a line break (\"\\t\" for tab)"
    return text, None
