"""Normalized words, their hashes, word shingles and exact-match keys, computed in bulk.

The definitions (what a word is, how words and shingles hash) are the pinned part of the dedup
scheme: signatures persisted in `dedup.signatures` are only comparable while they hold, so they
are written here once, as plain Python on one text (`normalize_text`, `token_hash`,
`shingle_hash`, `text_key`), and again as a vectorized numpy pass over many records
(`featurize`) that the tests hold to the same results.

Normalization: Unicode NFKC, then case folding, then every run of characters that are not
letters or digits (punctuation, symbols, whitespace, `_`) becomes one space. For pure-ASCII
text that is "lowercase, split on non-alphanumerics", which the bulk pass does on the UTF-8
bytes with a lookup table; only records with non-ASCII characters go through Python's
`unicodedata` (pure-Python normalization of 100,000 records takes about 5 s on its own).
The bulk pass is the one the stage uses: `benchmarks/dedup.py` measures it against datasketch,
rensa and DataTrove fed the Python `shingles` of the same texts.

Limits the constants impose (all in one place):
- `SHINGLE_WORDS` (5): a record shorter than five words is one shingle (its whole text), an empty
  record none; any other size works (`slot_multipliers` derives one odd multiplier per word slot),
  but changing it changes every stored signature, which is why it is part of `MinHashScheme.name`.
- Word slots: a shingle's hash is a sum of its words' 64-bit hashes, each times its slot's
  multiplier, so word order matters and a word repeated in two slots never cancels.
- Shingle hashes are 32 bits (datasketch's `affine32` takes 32-bit input): two different shingles
  collide with probability 2**-32, so the "true Jaccard" of `minhash.verified_jaccard` is over
  these hashes, not the strings (the bound is written there).
- Token hashes are polynomials over UTF-8 bytes modulo 2**64; the bulk pass works on blocks of
  about `_BLOCK_BYTES` (256 KiB) of text, and a longer record gets a block of its own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SHINGLE_WORDS = 5
"""Words per shingle. Five keeps a one-word edit from touching more than five shingles (about 4% of a
140-word record), while common three-word phrases ("one of the") no longer make unrelated records look alike."""

_MASK64 = (1 << 64) - 1
_TOKEN_BASE = 0x100000001B3            # odd, so it has an inverse modulo 2**64
_TOKEN_BASE_INV = pow(_TOKEN_BASE, -1, 1 << 64)
_TOKEN_LENGTH = 0x9E3779B97F4A7C15
_POSITION = 0xD6E8FEB86659FD93
_KEY_LENGTH = 0xA0761D6478BD642F
_SHINGLE_LENGTH = 0xE7037ED1A0B428DB
_SLOT_SEED = 0x5348494E474C4553   # "SHINGLES": the seed the word-slot multipliers are derived from

_SEPARATORS = re.compile(r"[\W_]+")

_WORD_BYTE = np.zeros(256, dtype=bool)
_WORD_BYTE[[*range(ord("0"), ord("9") + 1), *range(ord("a"), ord("z") + 1), *range(ord("A"), ord("Z") + 1)]] = True
_WORD_BYTE[0x80:] = True               # only reached for text already normalized in Python
_LOWER_BYTE = np.arange(256, dtype=np.uint8)
_LOWER_BYTE[ord("A"): ord("Z") + 1] += 32


def normalize_text(text: str) -> str:
    """NFKC, case folding, and every run of non-alphanumeric characters collapsed to one space."""
    return _SEPARATORS.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def words(text: str) -> list[str]:
    normalized = normalize_text(text)
    return normalized.split(" ") if normalized else []


def _fmix64_int(value: int) -> int:
    value &= _MASK64
    value ^= value >> 33
    value = (value * 0xFF51AFD7ED558CCD) & _MASK64
    value ^= value >> 33
    value = (value * 0xC4CEB9FE1A85EC53) & _MASK64
    return value ^ (value >> 33)


def fmix64(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer on a uint64 array (wrapping arithmetic is the modulo)."""
    values = values ^ (values >> np.uint64(33))
    values = values * np.uint64(0xFF51AFD7ED558CCD)
    values ^= values >> np.uint64(33)
    values *= np.uint64(0xC4CEB9FE1A85EC53)
    values ^= values >> np.uint64(33)
    return values


def splitmix64(seed: int, count: int) -> tuple[int, ...]:
    """The first `count` outputs of Vigna's splitmix64 generator from `seed`: well-mixed 64-bit
    constants, derived rather than listed, so a table of them is as long as it needs to be."""
    out = []
    state = seed & _MASK64
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) & _MASK64
        value = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
        out.append(value ^ (value >> 31))
    return tuple(out)


@cache
def slot_multipliers(size: int) -> tuple[int, ...]:
    """One odd multiplier per word slot of a shingle, so "a b" and "b a" hash apart. Derived, so
    every shingle size has its own (a listed table of eight once made `shingle_words=9` an IndexError);
    odd, so multiplying by one loses no bits of the word's hash."""
    return tuple(value | 1 for value in splitmix64(_SLOT_SEED, size))


def token_hash(word: str) -> int:
    """64-bit hash of one normalized word: a polynomial over its UTF-8 bytes, then fmix64."""
    data = word.encode("utf-8")
    raw, power = 0, 1
    for byte in data:
        raw = (raw + byte * power) & _MASK64
        power = (power * _TOKEN_BASE) & _MASK64
    return _fmix64_int(raw + len(data) * _TOKEN_LENGTH)


def shingle_hash(window: Sequence[str]) -> int:
    """32-bit hash of a shingle (up to the scheme's shingle size in normalized words): the `hashfunc` of the MinHash scheme."""
    combined = 0
    for word, multiplier in zip(window, slot_multipliers(len(window))):
        combined = (combined + token_hash(word) * multiplier) & _MASK64
    return _fmix64_int(combined + len(window) * _SHINGLE_LENGTH) >> 32


def datasketch_hashfunc(shingle: bytes) -> int:
    """`shingle_hash` in the form `datasketch.MinHash(hashfunc=...)` expects: one shingle as the bytes of
    its words joined by single spaces. A MinHash fed `shingles(text)` through this function has
    exactly the signature the bulk pass computes."""
    return shingle_hash(shingle.decode("utf-8").split(" "))


def shingle_windows(tokens: Sequence[str], size: int = SHINGLE_WORDS) -> list[tuple[str, ...]]:
    """Consecutive word windows in order; a text shorter than `size` words is one window, an empty text none."""
    if not tokens:
        return []
    if len(tokens) < size:
        return [tuple(tokens)]
    return [tuple(tokens[i: i + size]) for i in range(len(tokens) - size + 1)]


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """The set of word shingles of `text` (normalized words joined by one space)."""
    return {" ".join(window) for window in shingle_windows(words(text), size)}


def text_key(normalized_words: Sequence[str]) -> int:
    """64-bit key of a word sequence: equal normalized texts, equal keys (the exact-duplicate key)."""
    total = 0
    for position, word in enumerate(normalized_words):
        total = (total + _fmix64_int(token_hash(word) + position * _POSITION)) & _MASK64
    return _fmix64_int(total + len(normalized_words) * _KEY_LENGTH)


def jaccard(a: set | np.ndarray, b: set | np.ndarray) -> float:
    """True Jaccard similarity of two shingle sets (0.0 for two empty sets)."""
    if isinstance(a, np.ndarray):
        a, b = np.unique(a), np.unique(b)
        inter = len(np.intersect1d(a, b, assume_unique=True))
        union = len(a) + len(b) - inter
    else:
        inter = len(a & b)
        union = len(a | b)
    return inter / union if union else 0.0


@dataclass
class Features:
    """Per-record features of a batch, in the order the records were given.

    `shingle_offsets[i]:shingle_offsets[i+1]` slices record i's shingle hashes out of `shingle_values`,
    in text order with repeats kept (the order is what finds long shared spans).
    """

    n_words: np.ndarray           # int64 (n,)
    text_key: np.ndarray          # uint64 (n,), key of all fields' words in order
    prompt_key: np.ndarray        # uint64 (n,), key of every field but the last (instruction + input)
    response_key: np.ndarray      # uint64 (n,), key of the last field (response)
    shingle_offsets: np.ndarray   # int64 (n + 1,)
    shingle_values: np.ndarray    # uint32

    def __len__(self) -> int:
        return len(self.n_words)

    def shingles_of(self, i: int) -> np.ndarray:
        return self.shingle_values[self.shingle_offsets[i]: self.shingle_offsets[i + 1]]

    @staticmethod
    def concat(parts: Sequence[Features]) -> Features:
        parts = [p for p in parts if len(p)] or list(parts[:1])
        if not parts:
            return Features.empty()
        offsets = [np.zeros(1, dtype=np.int64)]
        base = 0
        for part in parts:
            offsets.append(part.shingle_offsets[1:] + base)
            base += int(part.shingle_offsets[-1])
        return Features(
            n_words=np.concatenate([p.n_words for p in parts]),
            text_key=np.concatenate([p.text_key for p in parts]),
            prompt_key=np.concatenate([p.prompt_key for p in parts]),
            response_key=np.concatenate([p.response_key for p in parts]),
            shingle_offsets=np.concatenate(offsets),
            shingle_values=np.concatenate([p.shingle_values for p in parts]),
        )

    def take(self, index: np.ndarray) -> Features:
        index = np.asarray(index, dtype=np.int64)
        counts = np.diff(self.shingle_offsets)[index]
        offsets = np.zeros(len(index) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return Features(
            n_words=self.n_words[index],
            text_key=self.text_key[index],
            prompt_key=self.prompt_key[index],
            response_key=self.response_key[index],
            shingle_offsets=offsets,
            shingle_values=self.shingle_values[gather_ranges(self.shingle_offsets[index], counts)],
        )

    @staticmethod
    def empty() -> Features:
        zero = np.zeros(0, dtype=np.uint64)
        return Features(np.zeros(0, dtype=np.int64), zero, zero.copy(), zero.copy(),
                        np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.uint32))


def gather_ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Indices `starts[i] + 0 .. counts[i]-1` for every i, concatenated, without a Python loop."""
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(counts)
    index = np.ones(total, dtype=np.int64)
    nonzero = counts > 0
    first = (ends - counts)[nonzero]
    starts = np.asarray(starts, dtype=np.int64)[nonzero]
    index[0] = starts[0]
    # Each run starts at its own start: the step into it undoes the previous run's last index.
    previous_last = (starts + counts[nonzero] - 1)[:-1]
    index[first[1:]] = starts[1:] - previous_last
    return np.cumsum(index)


class _Powers:
    """Powers of the token base and of its inverse, grown on demand (shared by every batch)."""

    def __init__(self) -> None:
        self.forward = np.ones(1, dtype=np.uint64)
        self.inverse = np.ones(1, dtype=np.uint64)

    def ensure(self, length: int) -> None:
        if len(self.forward) >= length:
            return
        length = max(length, 2 * len(self.forward))
        for name, base in (("forward", _TOKEN_BASE), ("inverse", _TOKEN_BASE_INV)):
            values = np.full(length, base, dtype=np.uint64)
            values[0] = 1
            setattr(self, name, np.cumprod(values, dtype=np.uint64))


_POWERS = _Powers()
_BLOCK_BYTES = 1 << 18


def _as_large_string(values: Sequence[str] | pa.Array | pa.ChunkedArray) -> pa.LargeStringArray:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if not isinstance(values, pa.Array):
        values = pa.array(values, type=pa.large_string())
    if values.type != pa.large_string():
        values = values.cast(pa.large_string())
    if values.null_count:
        values = pc.fill_null(values, "")
    return values


def _interleave(fields: Sequence[Sequence[str] | pa.Array]) -> tuple[np.ndarray, np.ndarray, pa.LargeStringArray]:
    """All fields of all records in one UTF-8 buffer, record by record, field by field."""
    arrays = [_as_large_string(f) for f in fields]
    n_fields = len(arrays)
    n = len(arrays[0])
    if n_fields == 1:
        merged = arrays[0]
    else:
        order = (np.arange(n_fields, dtype=np.int64)[None, :] * n + np.arange(n, dtype=np.int64)[:, None]).ravel()
        merged = pa.concat_arrays(arrays).take(pa.array(order))
    offsets_buffer, data_buffer = merged.buffers()[1], merged.buffers()[2]
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64, count=len(merged) + 1, offset=merged.offset * 8)
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, dtype=np.uint8)
    # A slice shares its parent's data buffer: keep only its own bytes (zero-copy views), or the
    # bytes of other records would be read as this chunk's.
    data = data[offsets[0]: offsets[-1]]
    offsets = offsets - offsets[0]
    return data, offsets, merged


@cache
def _separator_code_points() -> np.ndarray:
    """Lookup table: True for a non-ASCII code point that normalization simply turns into a word break
    (curly quotes, dashes, no-break spaces, bullets, emoji, ...), whatever its neighbours are."""
    table = np.zeros(0x20000, dtype=bool)
    for code_point in [*range(0x80, 0xD800), *range(0xE000, 0x10000), *range(0x1F000, 0x1FB00)]:
        char = chr(code_point)
        if unicodedata.category(char)[0] in "PZSC" and normalize_text(f"a{char}b") == "a b":
            table[code_point] = True
    return table


def _code_points(data: np.ndarray, leads: np.ndarray) -> np.ndarray:
    """Code points of the UTF-8 sequences starting at `leads` (valid UTF-8, as Arrow guarantees)."""
    last = len(data) - 1
    b0 = data[leads].astype(np.int64)
    b1, b2, b3 = (data[np.minimum(leads + k, last)].astype(np.int64) & 0x3F for k in (1, 2, 3))
    return np.where(
        b0 < 0xE0, ((b0 & 0x1F) << 6) | b1,
        np.where(b0 < 0xF0, ((b0 & 0x0F) << 12) | (b1 << 6) | b2, ((b0 & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3),
    )


def _normalize_non_ascii(data: np.ndarray, offsets: np.ndarray, merged: pa.LargeStringArray) -> tuple[np.ndarray, np.ndarray]:
    """Fields whose only non-ASCII characters are word breaks get those bytes blanked; every other field
    holding non-ASCII text is replaced by its Python normalization (UTF-8). Pure-ASCII fields stay as they are."""
    high = np.flatnonzero(data >= 0x80) if len(data) else np.zeros(0, dtype=np.int64)
    if len(high) == 0:
        return data, offsets
    separators = _separator_code_points()
    leads = high[data[high] >= 0xC0]
    points = _code_points(data, leads)
    simple = np.zeros(len(points), dtype=bool)
    in_table = points < len(separators)
    simple[in_table] = separators[points[in_table]]
    complex_fields = np.unique(np.searchsorted(offsets, leads[~simple], side="right") - 1)
    data = data.copy()
    high_fields = np.searchsorted(offsets, high, side="right") - 1
    data[high[~np.isin(high_fields, complex_fields)]] = ord(" ")
    if len(complex_fields) == 0:
        return data, offsets
    pieces: list[np.ndarray] = []
    lengths = np.diff(offsets).copy()
    cursor = 0
    for field in complex_fields.tolist():
        pieces.append(data[cursor: offsets[field]])
        encoded = normalize_text(merged[field].as_py()).encode("utf-8")
        pieces.append(np.frombuffer(encoded, dtype=np.uint8))
        lengths[field] = len(encoded)
        cursor = offsets[field + 1]
    pieces.append(data[cursor:])
    new_offsets = np.zeros(len(offsets), dtype=np.int64)
    np.cumsum(lengths, out=new_offsets[1:])
    return np.concatenate(pieces), new_offsets


def featurize(fields: Sequence[Sequence[str] | pa.Array], size: int = SHINGLE_WORDS, chunk_records: int = 4096) -> Features:
    """Words, keys and ordered shingle hashes of many records at once.

    `fields` holds one sequence per field (e.g. instructions, inputs, responses), all of the same
    length. A record's words are its fields' words in order; words never run across fields.
    The prompt key covers every field but the last, the response key the last one. Records go
    through in chunks, so temporary arrays stay a few MB whatever the corpus size.
    """
    # Slices are zero-copy; converting each slice (not the whole column) keeps Arrow's copies small.
    columns = [f if isinstance(f, (pa.Array, pa.ChunkedArray)) else pa.array(f, type=pa.large_string()) for f in fields]
    n_records = len(columns[0]) if columns else 0
    parts = [_featurize_chunk([_as_large_string(c.slice(lo, chunk_records)) for c in columns], size)
             for lo in range(0, n_records, chunk_records)]
    return Features.concat(parts) if parts else Features.empty()


def _featurize_chunk(arrays: list[pa.LargeStringArray], size: int) -> Features:
    n_fields = len(arrays)
    data, offsets, merged = _interleave(arrays)
    data, offsets = _normalize_non_ascii(data, offsets, merged)
    n_records = (len(offsets) - 1) // n_fields
    record_offsets = offsets[::n_fields]
    parts: list[Features] = []
    start = 0
    while start < n_records:
        end = int(np.searchsorted(record_offsets, record_offsets[start] + _BLOCK_BYTES, side="right")) - 1
        end = min(max(end, start + 1), n_records)
        lo, hi = offsets[start * n_fields], offsets[end * n_fields]
        parts.append(_featurize_block(data[lo:hi], offsets[start * n_fields: end * n_fields + 1] - lo, n_fields, size))
        start = end
    return Features.concat(parts)


def _segment_sums(values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Wrapping uint64 sums of `values[starts[i]:ends[i]]`; empty segments sum to 0."""
    prefix = np.zeros(len(values) + 1, dtype=np.uint64)
    np.cumsum(values, dtype=np.uint64, out=prefix[1:])
    return prefix[ends] - prefix[starts]


def _finish_key(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    return fmix64(sums + counts.astype(np.uint64) * np.uint64(_KEY_LENGTH))


def _featurize_block(data: np.ndarray, offsets: np.ndarray, n_fields: int, size: int) -> Features:
    n_field_rows = len(offsets) - 1
    n_records = n_field_rows // n_fields
    length = len(data)
    is_word = _WORD_BYTE[data]
    field_starts = offsets[:-1][offsets[:-1] < length]
    starts_mask = is_word.copy()
    starts_mask[1:] &= ~is_word[:-1]
    starts_mask[field_starts] = is_word[field_starts]
    ends_mask = is_word.copy()
    ends_mask[:-1] &= ~is_word[1:]
    boundary = field_starts[field_starts > 0] - 1
    ends_mask[boundary] = is_word[boundary]
    token_starts = np.flatnonzero(starts_mask)
    token_ends = np.flatnonzero(ends_mask) + 1

    _POWERS.ensure(max(length, _BLOCK_BYTES) + 1)
    weighted = _LOWER_BYTE[data].astype(np.uint64) * _POWERS.forward[:length]
    raw = _segment_sums(weighted, token_starts, token_ends) * _POWERS.inverse[token_starts]
    token_hashes = fmix64(raw + (token_ends - token_starts).astype(np.uint64) * np.uint64(_TOKEN_LENGTH))

    field_of_token = np.searchsorted(offsets, token_starts, side="right") - 1
    field_counts = np.bincount(field_of_token, minlength=n_field_rows).astype(np.int64)
    field_first = np.zeros(n_field_rows + 1, dtype=np.int64)
    np.cumsum(field_counts, out=field_first[1:])
    record_counts = field_counts.reshape(n_records, n_fields).sum(axis=1)
    record_first = field_first[::n_fields]
    record_of_token = field_of_token // n_fields
    token_index = np.arange(len(token_hashes), dtype=np.int64)

    position_in_record = (token_index - record_first[record_of_token]).astype(np.uint64)
    by_record = fmix64(token_hashes + position_in_record * np.uint64(_POSITION))
    record_sums = _segment_sums(by_record, record_first[:-1], record_first[1:])
    text_keys = _finish_key(record_sums, record_counts)
    prompt_ends = field_first[n_fields - 1:: n_fields][:n_records]
    prompt_sums = _segment_sums(by_record, record_first[:-1], prompt_ends)
    prompt_keys = _finish_key(prompt_sums, prompt_ends - record_first[:-1])
    last_field_first = field_first[n_fields - 1:: n_fields][:n_records]
    position_in_last = (token_index - field_first[field_of_token]).astype(np.uint64)
    by_field = fmix64(token_hashes + position_in_last * np.uint64(_POSITION))
    response_sums = _segment_sums(by_field, last_field_first, record_first[1:])
    response_keys = _finish_key(response_sums, record_first[1:] - last_field_first)

    # Shingle windows: every run of `size` words inside one record, or the whole record when shorter.
    n_tokens = len(token_hashes)
    remaining = record_first[1:][record_of_token] - token_index
    window = np.minimum(remaining, size)
    multipliers = slot_multipliers(size)
    combined = token_hashes * np.uint64(multipliers[0])
    for slot in range(1, min(size, n_tokens)):
        inside = window[: n_tokens - slot] > slot
        combined[: n_tokens - slot] += np.where(inside, token_hashes[slot:] * np.uint64(multipliers[slot]), np.uint64(0))
    short_record_start = (record_counts[record_of_token] < size) & (position_in_record == 0)
    valid = (remaining >= size) | short_record_start
    shingle_values = (fmix64(combined[valid] + window[valid].astype(np.uint64) * np.uint64(_SHINGLE_LENGTH)) >> np.uint64(32)).astype(np.uint32)
    shingle_counts = np.bincount(record_of_token[valid], minlength=n_records).astype(np.int64)
    shingle_offsets = np.zeros(n_records + 1, dtype=np.int64)
    np.cumsum(shingle_counts, out=shingle_offsets[1:])
    return Features(
        n_words=record_counts,
        text_key=text_keys,
        prompt_key=prompt_keys,
        response_key=response_keys,
        shingle_offsets=shingle_offsets,
        shingle_values=shingle_values,
    )
