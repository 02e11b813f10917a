"""Normalization, shingles and the MinHash scheme: the bulk numpy pass against plain Python and datasketch."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from data_assets.dedup import NearDuplicateIndex, jaccard, normalize_text, shingles
from data_assets.dedup.minhash import (
    DEFAULT_SCHEME,
    candidate_probability,
    choose_banding,
    lsh_candidates,
    signatures,
    verified_jaccard,
)
from data_assets.dedup.text import datasketch_hashfunc, featurize, shingle_hash, shingle_windows, text_key, words


def test_normalize_text_folds_compatibility_forms_case_and_punctuation():
    assert normalize_text("  Hello,   WORLD!!\n") == "hello world"
    assert normalize_text("ﬁne “quotes” — and…dashes") == "fine quotes and dashes"
    assert normalize_text("Straße") == "strasse"
    assert normalize_text("snake_case/path-name") == "snake case path name"
    assert normalize_text("x² ½") == "x2 1 2"
    assert normalize_text("?!…") == ""


def test_shingles_are_word_five_grams_and_short_texts_are_one_shingle():
    assert shingles("one two three four five six") == {"one two three four five", "two three four five six"}
    assert shingles("Just three words") == {"just three words"}
    assert shingles("...") == set()
    assert jaccard(shingles("a b c d e f"), shingles("a b c d e g")) == pytest.approx(1 / 3)


# Text the bulk pass must treat exactly like `normalize_text`: ASCII, curly quotes and dashes
# (blanked on the bytes), letters beyond ASCII and combining marks (normalized in Python).
_alphabet = st.sampled_from(list("abcXYZ019 ,.!?_-\n\t'\"") + ["’", "“", "—", "…", "é", "É", "ß", "ﬁ", "\u0301", "😀", "\u00a0", "²", "Ω", "中"])
_text = st.lists(_alphabet, max_size=60).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_text, _text, _text), min_size=1, max_size=8))
def test_bulk_features_equal_the_plain_python_definitions(records):
    features = featurize([[r[i] for r in records] for i in range(3)])
    for i, (instruction, input_, response) in enumerate(records):
        tokens = words(instruction) + words(input_) + words(response)
        assert features.n_words[i] == len(tokens)
        assert features.text_key[i] == text_key(tokens)
        assert features.prompt_key[i] == text_key(words(instruction) + words(input_))
        assert features.response_key[i] == text_key(words(response))
        assert features.shingles_of(i).tolist() == [shingle_hash(w) for w in shingle_windows(tokens)]
        assert normalize_text(" ".join(tokens)) == " ".join(tokens)


def test_equal_normalized_text_has_equal_keys_and_different_text_different_keys():
    f = featurize([["Hello, World!", "hello world", "world hello", ""]])
    assert f.text_key[0] == f.text_key[1] != f.text_key[2]
    assert f.text_key[3] == text_key([])


def test_signatures_are_exactly_datasketch_minhash_with_the_pinned_hashfunc():
    texts = ["The quick brown fox jumps over the lazy dog near the river bank today",
             "A short one", "", "Ünïcode façade — with “quotes” and émoji 😀 inside a longer sentence here"]
    sigs = signatures(featurize([texts]))
    for text, sig in zip(texts, sigs):
        reference = MinHash(num_perm=DEFAULT_SCHEME.num_perm, seed=DEFAULT_SCHEME.seed, scheme="affine32", hashfunc=datasketch_hashfunc)
        reference.update_batch([s.encode("utf-8") for s in shingles(text)])
        assert np.array_equal(reference.hashvalues, sig)


def _mutations(rng: np.random.Generator, n: int) -> list[str]:
    vocabulary = [f"w{i}" for i in range(400)]
    base = [" ".join(rng.choice(vocabulary, size=40)) for _ in range(n)]
    texts = list(base)
    for text in base[: n // 2]:
        tokens = text.split()
        for _ in range(int(rng.integers(1, 6))):
            tokens[int(rng.integers(0, len(tokens)))] = "edit"
        texts.append(" ".join(tokens))
    return texts


def test_lsh_candidates_match_datasketch_minhashlsh_with_the_same_bands():
    texts = _mutations(np.random.default_rng(3), 60)
    sigs = signatures(featurize([texts]))
    bands, rows = 32, 4
    lsh = MinHashLSH(num_perm=128, params=(bands, rows))
    for i, sig in enumerate(sigs):
        lsh.insert(i, DEFAULT_SCHEME.minhash(sig))
    expected = {(min(i, j), max(i, j)) for i, sig in enumerate(sigs) for j in lsh.query(DEFAULT_SCHEME.minhash(sig)) if i != j}
    found = {tuple(p) for p in lsh_candidates(sigs, bands, rows).tolist()}
    assert found == expected and len(found) >= 20


def test_verified_jaccard_is_the_true_jaccard_of_shingle_sets():
    texts = _mutations(np.random.default_rng(5), 20)
    features = featurize([texts])
    pairs = np.array([(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts))])
    expected = [jaccard(shingles(texts[i]), shingles(texts[j])) for i, j in pairs]
    assert np.allclose(verified_jaccard(features, pairs), expected)


def test_banding_catches_pairs_at_the_threshold_unlike_the_datasketch_default():
    bands, rows = choose_banding(0.7, 128)
    assert (bands, rows) == (32, 4)
    assert candidate_probability(0.7, bands, rows) > 0.9998
    default = MinHashLSH(threshold=0.7, num_perm=128)
    assert candidate_probability(0.7, default.b, default.r) < 0.5
    for threshold in (0.5, 0.8, 0.9):
        assert candidate_probability(threshold, *choose_banding(threshold, 128)) >= 0.999


def test_near_duplicate_index_returns_verified_matches_only():
    index = NearDuplicateIndex(threshold=0.7)
    base = " ".join(f"word{i}" for i in range(60))
    index.add_many({"a": base, "b": "something else entirely with enough words to make shingles here"})
    index.add("c", base.replace("word30", "changed"))
    assert len(index) == 3 and "c" in index
    found = index.query(base + " extra")
    assert [key for key, _ in found] == ["a", "c"]
    assert found[0][1] == pytest.approx(jaccard(shingles(base), shingles(base + " extra")))
    assert index.query("nothing like it at all in this index") == []
    with pytest.raises(ValueError):
        index.add("a", "duplicate key")


def test_chunked_single_field_features_equal_one_chunk():
    """Regression: a chunk of one field is an Arrow slice sharing its parent's buffer; non-ASCII
    text in later records once sent normalization past the chunk (IndexError on Alpaca)."""
    texts = [f"record {i} plain ascii words here" for i in range(30)] + ["café naïve déjà vu — “quoted” text"] * 5
    chunked = featurize([texts], chunk_records=7)
    whole = featurize([texts], chunk_records=10_000)
    for name in ("n_words", "text_key", "shingle_offsets", "shingle_values"):
        assert np.array_equal(getattr(chunked, name), getattr(whole, name)), name
