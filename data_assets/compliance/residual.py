"""The blocking check's count: what a redacted output still holds that the policy acts on."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from data_assets.compliance.policy import CompliancePolicy
from data_assets.compliance.redact import still_acted_on
from data_assets.compliance.scan import TEXT_FIELDS


def residual_findings(documents: pd.DataFrame, policy: CompliancePolicy, text_fields: tuple[str, ...] = TEXT_FIELDS) -> Counter:
    """Findings of redact-or-drop types at or above the policy's score still present in the
    output text of `documents`, read under the same record rules as the stage's own re-scan
    (`still_acted_on`): what the blocking check counts (by type, never values)."""
    left: Counter = Counter()
    for row in documents.itertuples(index=False):
        fields = {name: getattr(row, name) or "" for name in text_fields}
        for found in still_acted_on(fields, policy).values():
            left.update(f.entity_type for f in found)
    return left
