"""The blocking check's count: what a redacted output still holds that the policy acts on."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from data_assets.compliance.detect import detect
from data_assets.compliance.policy import CompliancePolicy
from data_assets.compliance.scan import TEXT_FIELDS


def residual_findings(documents: pd.DataFrame, policy: CompliancePolicy, text_fields: tuple[str, ...] = TEXT_FIELDS) -> Counter:
    """Findings of redact-or-drop types at or above the policy's score still present in the
    output text of `documents`: what the blocking check counts (by type, never values)."""
    acted = policy.acted_on_types
    left: Counter = Counter()
    for row in documents.itertuples(index=False):
        for name in text_fields:
            for f in detect(getattr(row, name) or "", policy.ner_model):
                if f.entity_type in acted and f.score >= policy.min_score:
                    left[f.entity_type] += 1
    return left
