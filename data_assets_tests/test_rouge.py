"""ROUGE-L (data_assets/text/rouge.py), the one implementation synth and curves score with."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rouge_score import rouge_scorer

from data_assets.text.rouge import Reference, rouge_l_f, rouge_l_f_tokens, tokens


def _quadratic_lcs(a: list[str], b: list[str]) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            table[i + 1][j + 1] = table[i][j] + 1 if x == y else max(table[i][j + 1], table[i + 1][j])
    return table[-1][-1]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from("abcdef"), max_size=40), st.lists(st.sampled_from("abcdef"), max_size=40))
def test_bit_parallel_lcs_equals_the_textbook_table(a, b):
    assert Reference(a).lcs(b) == _quadratic_lcs(a, b)


def test_rouge_l_f_known_values():
    # LCS "the cat on the mat" = 5 of 6 tokens on both sides.
    assert rouge_l_f("The cat sat on the mat.", "the cat is on the mat") == pytest.approx(5 / 6)
    assert rouge_l_f("", "anything") == 0.0
    assert rouge_l_f("alpha beta", "gamma delta") == 0.0
    assert tokens("It's 42 C++!") == ["it", "s", "42", "c"]


def test_rouge_l_matches_the_definition():
    assert Reference(list("abcbdab")).lcs(list("bdcaba")) == 4
    assert rouge_l_f_tokens(tokens("the cat sat"), tokens("The cat sat!")) == 1.0
    assert rouge_l_f_tokens(["a", "b"], ["c"]) == 0.0
    assert rouge_l_f_tokens(tokens("a b c d"), tokens("a x c y")) == pytest.approx(2 * 2 / 8)


def test_agrees_with_rouge_score_on_real_text(shared_data):
    # Real Alpaca records: instruction against response (long, few shared tokens) and instruction
    # against another instruction (short, the synth novelty filter's case). The reference package
    # runs without stemming, which is the tokenization Self-Instruct's filter and ours use.
    records = json.loads((shared_data / "alpaca" / "alpaca_data_random5000.json").read_text())
    picked = random.Random(14).sample(records, 400)
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    pairs = [(r["output"], r["instruction"] + " " + r["input"]) for r in picked[:200]]
    pairs += [(a["instruction"], b["instruction"]) for a, b in zip(picked[200:300], picked[300:400])]
    ours = [rouge_l_f(candidate, reference) for candidate, reference in pairs]
    theirs = [scorer.score(reference, candidate)["rougeL"].fmeasure for candidate, reference in pairs]
    assert ours == pytest.approx(theirs, abs=1e-12)
    assert sum(score > 0 for score in ours) > 200  # the comparison covers real overlap, not only zeros
