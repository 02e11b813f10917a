"""Profiles: the numbers are right on data whose answers we know."""

from __future__ import annotations

import pandas as pd

from data_assets.profile.language import guess_language
from data_assets.profile.stats import approx_tokens, instruction_verb, profile_records, summary_table


def test_language_guesses():
    assert guess_language("What is the capital of France and how big is it?") == "en"
    assert guess_language("¿Cuál es la capital de Francia y por qué es tan famosa para los turistas?") == "es"
    assert guess_language("Quelle est la capitale de la France et pourquoi est-elle si célèbre pour les touristes ?") == "fr"
    assert guess_language("Was ist die Hauptstadt von Deutschland und warum ist sie nicht groß?") == "de"
    assert guess_language("法国的首都是哪里？") == "zh"
    assert guess_language("東京はどこですか？ひらがなとカタカナ") == "ja"
    assert guess_language("Какая столица России?") == "ru"
    assert guess_language("  ") == "und"


def test_profile_numbers():
    frame = pd.DataFrame({
        "record_id": ["a", "b", "c", "d"],
        "role": ["train"] * 4,
        "instruction": ["Please write a poem.", "Write a poem!", "Explain gravity", "please write a poem"],
        "input": ["", "", "for a child", ""],
        "response": ["Roses are red", "Roses are red", "Things fall.", "Roses are red"],
    })
    profile = profile_records(frame)
    stats = profile.stats
    get = lambda field, stat: float(stats[(stats.field == field) & (stats.statistic == stat)]["value"].iloc[0])  # noqa: E731
    assert get("*", "records") == 4
    assert get("input", "empty_share") == 0.75
    # "Please write a poem." and "please write a poem" normalise to the same text: 1 of 4 is a duplicate.
    assert get("*", "exact_duplicate_rate") == 0.25
    assert profile.verbs.most_common(1) == [("write", 3)]
    assert instruction_verb("Could you explain this?") == "explain"
    assert approx_tokens("one two three") == 4
    assert list(summary_table(profile)["field"]) == ["instruction", "input", "response"]
