"""The sources YAML: what to read, how to map its fields, and what role its records play."""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROLES = ("train", "seed", "eval", "preference")
ORIGINS = ("human", "synthetic")
FORMATS = ("json", "jsonl", "csv", "parquet")
INSTRUCTION_FIELDS = ("instruction", "input", "response")
PREFERENCE_FIELDS = ("prompt", "chosen", "rejected")
_EXTENSIONS = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}


class SourceConfigError(ValueError):
    """The sources YAML is wrong; the message names the source and the field."""


@dataclass(frozen=True)
class Source:
    name: str
    path: str                   # file or glob, as written in the YAML
    role: str
    origin: str
    license: str | None
    fields: dict[str, str]      # canonical name -> the source's own column (dotted path into JSON)
    format: str | None = None   # inferred from each file's extension when absent
    base_dir: Path = field(default=Path("."))

    @property
    def is_preference(self) -> bool:
        return self.role == "preference"

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


def load_sources(path: str | Path) -> list[Source]:
    """Parse and validate a sources YAML; relative paths resolve against the YAML's folder."""
    yaml_path = Path(path)
    if not yaml_path.is_file():
        raise SourceConfigError(f"sources file {yaml_path} does not exist (DATA_ASSETS_SOURCES)")
    document = yaml.safe_load(yaml_path.read_text(encoding="utf-8")) or {}
    entries = document.get("sources") if isinstance(document, dict) else document
    if not isinstance(entries, list) or not entries:
        raise SourceConfigError(f"{yaml_path}: expected a non-empty `sources:` list")
    sources: list[Source] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        sources.append(_parse_source(entry, index, yaml_path.parent.resolve()))
        if sources[-1].name in seen:
            raise SourceConfigError(f"{yaml_path}: source name {sources[-1].name!r} is used twice")
        seen.add(sources[-1].name)
    return sources


def _parse_source(entry: object, index: int, base_dir: Path) -> Source:
    if not isinstance(entry, dict):
        raise SourceConfigError(f"source #{index}: expected a mapping, got {type(entry).__name__}")
    name = entry.get("name")
    if not name or not isinstance(name, str):
        raise SourceConfigError(f"source #{index}: `name` is required")
    where = f"source {name!r}"
    for key in ("path", "role", "origin"):
        if not entry.get(key):
            raise SourceConfigError(f"{where}: `{key}` is required")
    role, origin, fmt = entry["role"], entry["origin"], entry.get("format")
    if role not in ROLES:
        raise SourceConfigError(f"{where}: role {role!r} is not one of {', '.join(ROLES)}")
    if origin not in ORIGINS:
        raise SourceConfigError(f"{where}: origin {origin!r} is not one of {', '.join(ORIGINS)}")
    if fmt is not None and fmt not in FORMATS:
        raise SourceConfigError(f"{where}: format {fmt!r} is not one of {', '.join(FORMATS)}")
    canonical = PREFERENCE_FIELDS if role == "preference" else INSTRUCTION_FIELDS
    fields = entry.get("fields") or {}
    if not isinstance(fields, dict):
        raise SourceConfigError(f"{where}: `fields` must map canonical names to column names")
    unknown = set(fields) - set(canonical)
    if unknown:
        raise SourceConfigError(f"{where}: unknown field(s) {sorted(unknown)}; a {role} source maps {', '.join(canonical)}")
    # A field left out of the mapping is read from the column of the same name.
    mapping = {c: str(fields.get(c, c)) for c in canonical}
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
    )
