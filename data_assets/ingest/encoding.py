"""How a source file's bytes become text: a byte-order mark wins, then the source's `encoding`, then UTF-8.

Excel's "CSV UTF-8" and many Windows tools write a byte-order mark (BOM); Windows "Unicode" text
is UTF-16. A BOM names its encoding without doubt, so it is honoured and stripped; a source's
`encoding` that contradicts it is an error naming both, never a silent guess. Bytes the chosen
encoding cannot decode become lone surrogates (see `mark_invalid`), so one bad row is rejected
with its position while the rest of the file is still read.
"""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass
from pathlib import Path

# Longest first: the UTF-32-LE mark begins with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Declared encodings that agree with a BOM: the generic name leaves the byte order to the mark.
_SAME_FAMILY = {
    "utf-8": {"utf-8", "utf-8-sig"},
    "utf-16-le": {"utf-16", "utf-16-le"},
    "utf-16-be": {"utf-16", "utf-16-be"},
    "utf-32-le": {"utf-32", "utf-32-le"},
    "utf-32-be": {"utf-32", "utf-32-be"},
}
_MARK = "data_assets.mark_invalid"
_SURROGATE = re.compile("[\ud800-\udfff]")
HEAD_BYTES = 4096  # enough to see a BOM and the NUL pattern of UTF-16 text


class FileEncodingError(ValueError):
    """The file cannot be decoded as configured; the message says why and what to set."""


def mark_invalid(error: UnicodeDecodeError) -> tuple[str, int]:
    """Decode error handler: each undecodable byte becomes the lone surrogate U+DC00 + byte.

    Like Python's `surrogateescape`, but for every byte value: UTF-16 and UTF-32 errors involve
    bytes below 0x80, which `surrogateescape` refuses. A correct decoder never yields a lone
    surrogate, so any surrogate in the text marks a byte the file got wrong.
    """
    bad = error.object[error.start:error.end]
    return "".join(chr(0xDC00 + b) for b in bad), error.end


codecs.register_error(_MARK, mark_invalid)


@dataclass(frozen=True)
class Decoding:
    codec: str        # the Python codec the text is decoded with
    skip: int         # length of the BOM to skip
    label: str        # how reasons name it: "UTF-8", "UTF-16-LE", "cp1252"

    def open(self, path: Path, newline: str | None) -> io.TextIOWrapper:
        raw = path.open("rb")
        raw.seek(self.skip)
        return io.TextIOWrapper(raw, encoding=self.codec, errors=_MARK, newline=newline)

    def decode(self, data: bytes) -> str:
        """A whole file's bytes as text, strictly: raises UnicodeDecodeError at the first bad byte."""
        return data[self.skip:].decode(self.codec)


def normalize_encoding(name: str) -> str:
    """Python's canonical codec name (`UTF8` -> `utf-8`, `latin-1` -> `iso8859-1`); LookupError when unknown."""
    return codecs.lookup(name).name


def choose_decoding(head: bytes, declared: str | None) -> Decoding:
    """The decoding of a file that starts with `head`, given the source's `encoding` (or None)."""
    declared = normalize_encoding(declared) if declared else None
    for bom, codec in _BOMS:
        if head.startswith(bom):
            label = codec.upper()
            if declared is None or declared in _SAME_FAMILY[codec]:
                return Decoding(codec, len(bom), label)
            raise FileEncodingError(f"file is {label} (it starts with a {label} byte-order mark) but the source's "
                                    f"encoding is {declared}; remove `encoding` or set it to {codec}")
    if declared:
        return Decoding("utf-8" if declared == "utf-8-sig" else declared, 0, declared)
    wide = _looks_wide(head)
    if wide:
        raise FileEncodingError(f"file looks like {wide} without a byte-order mark (NUL bytes between the characters), "
                                f"not UTF-8; set the source's `encoding` to {wide.lower()}")
    return Decoding("utf-8", 0, "UTF-8")


def _looks_wide(head: bytes) -> str | None:
    """UTF-16 text of mostly ASCII characters has a NUL in every other byte: say which order."""
    sample = head[: len(head) - len(head) % 4]
    if len(sample) < 8 or b"\x00" not in sample:
        return None
    share = [sample[i::4].count(0) / (len(sample) // 4) for i in range(4)]
    if min(share[1], share[2], share[3]) > 0.9 and share[0] < 0.1:
        return "UTF-32-LE"
    if min(share[0], share[1], share[2]) > 0.9 and share[3] < 0.1:
        return "UTF-32-BE"
    even, odd = (share[0] + share[2]) / 2, (share[1] + share[3]) / 2
    if odd > 0.6 and even < 0.1:
        return "UTF-16-LE"
    if even > 0.6 and odd < 0.1:
        return "UTF-16-BE"
    return None


def read_head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(HEAD_BYTES)


def first_invalid(text: str) -> int | None:
    """Index of the first character `mark_invalid` put in `text`, or None when it decoded cleanly."""
    if text.isascii():  # constant time in CPython, and most rows are ASCII
        return None
    found = _SURROGATE.search(text)
    return found.start() if found else None


def invalid_reason(text: str, index: int, decoding: Decoding, declared: bool) -> str:
    """Why a row is unreadable: where the bad byte is, and what to set when the file is not UTF-8."""
    byte = ord(text[index]) - 0xDC00
    where = f"byte {len(text[:index].encode(decoding.codec))}" if decoding.codec == "utf-8" else f"character {index}"
    return f"invalid {decoding.label} at {where} of the row (byte 0x{byte:02x}){encoding_hint(declared)}"


def encoding_hint(declared: bool) -> str:
    return "" if declared else "; if the file is not UTF-8, set the source's `encoding` (for example cp1252 or latin-1)"


def readable(text: str) -> str:
    """`text` with the marked bytes shown as U+FFFD, safe to store in raw.rejects."""
    return _SURROGATE.sub("\ufffd", text)
