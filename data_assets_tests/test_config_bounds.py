"""Every asset's Config validates its fields: a bad value fails before the stage starts, naming the field."""

from __future__ import annotations

import typing

import dagster as dg
import pytest
from pydantic import ValidationError

from data_assets.common.config import StageConfig
from data_assets.definitions import all_assets


def _config_classes() -> dict[str, type[dg.Config]]:
    """The Config class of every asset in the definitions, by asset op name."""
    found = {}
    for asset in all_assets:
        hint = typing.get_type_hints(asset.op.compute_fn.decorated_fn).get("config")
        if hint is not None:
            found[asset.op.name] = hint
    return found


CONFIGS = _config_classes()


def test_every_asset_config_is_a_stage_config_whose_fields_are_described_and_bounded():
    assert len(CONFIGS) >= 9
    unbounded, undescribed = [], []
    for name, cls in CONFIGS.items():
        assert issubclass(cls, StageConfig), name
        for field, info in cls.model_fields.items():
            if not info.description:
                undescribed.append(f"{cls.__name__}.{field}")
            numeric = info.annotation in (int, float)
            # A seed takes any integer (it only feeds a hash or a generator that accepts any).
            if numeric and not info.metadata and "seed" not in field:
                unbounded.append(f"{cls.__name__}.{field}")
    assert not unbounded and not undescribed, (unbounded, undescribed)


BAD_VALUES = [
    ("dedup_documents", {"shingle_words": 0}, "shingle_words"),
    ("dedup_documents", {"shingle_words": 20}, "ngram_words"),     # a span rule shorter than a shingle
    ("dedup_documents", {"threshold": 0.0}, "threshold"),
    ("dedup_documents", {"num_perm": 4}, "num_perm"),
    ("dedup_documents", {"seed": 2**32}, "seed"),
    ("compliance_documents", {"min_score": 1.5}, "min_score"),
    ("compliance_documents", {"redact_types": ["EMAIL", "EMIAL"]}, "redact_types"),
    ("compliance_documents", {"blocked_terms": ["  "]}, "blocked_terms"),
    ("augmented_documents", {"methods": ["paraphrase", "summarize"]}, "methods"),
    ("augmented_documents", {"language": "Spanish"}, "language"),
    ("augmented_documents", {"max_share": 2.0}, "max_share"),
    ("augmented_documents", {"max_per_record": 0}, "max_per_record"),
    ("synthetic_pairs", {"batch_size": 0}, "batch_size"),
    ("synthetic_pairs", {"max_spend_usd": -1.0}, "max_spend_usd"),
    ("synthetic_pairs", {"min_instruction_words": 200}, "max_instruction_words"),
    ("preference_pairs", {"sample_size": -5}, "sample_size"),
    ("preference_pairs", {"judge_max_tokens": 10}, "judge_max_tokens"),
    ("sft_export", {"max_augmented_share": 0.6, "max_synthetic_share": 0.5}, "max_synthetic_share"),
    ("sft_export", {"max_records": -1}, "max_records"),
    ("data_curves", {"sizes": 2}, "sizes"),
    ("data_curves", {"targets": {"sft": 15}}, "targets"),
    ("data_curves", {"trainers": ["sft", "gpt"]}, "trainers"),
    ("data_curves", {"variants": ["curated", "everything"]}, "variants"),
    ("data_curves", {"seeds": [0, 0]}, "seeds"),
    ("data_curves", {"seeds": []}, "seeds"),
    ("data_curves", {"smallest": 500, "max_train_size": 100}, "max_train_size"),
    ("raw_documents", {"sources_path": "/nonexistent/sources.yaml"}, "sources_path"),
]


@pytest.mark.parametrize(("asset", "values", "field"), BAD_VALUES, ids=[f"{a}-{f}" for a, _, f in BAD_VALUES])
def test_a_bad_value_fails_validation_with_a_message_naming_the_field(asset, values, field):
    with pytest.raises(ValidationError) as raised:
        CONFIGS[asset](**values)
    assert field in str(raised.value)


def test_the_defaults_are_valid():
    for cls in CONFIGS.values():
        cls()


def test_a_choice_among_names_is_refused_by_dagster_before_the_run_starts(warehouse):
    from data_assets.prefs.assets import preference_pairs

    with pytest.raises(dg.DagsterInvalidConfigError, match="candidate_mode"):
        dg.materialize([preference_pairs], resources={"warehouse": warehouse, "llm": object()},
                       run_config={"ops": {"preference_pairs": {"config": {"candidate_mode": "three_generations"}}}})
