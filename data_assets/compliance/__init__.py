"""The compliance stage: PII and secret detection, redaction and source policy.

Other stages re-scan generated text with `scan_and_redact(fields, policy)`; `detect(text)`
gives the raw findings. See `policy.py` for the default policy and why, `redact.py` for how one record is scanned.
"""

from data_assets.compliance.detect import detect
from data_assets.compliance.findings import Finding, resolve_overlaps
from data_assets.compliance.policy import CompliancePolicy
from data_assets.compliance.redact import ScanOutcome, scan_and_redact

__all__ = ["CompliancePolicy", "Finding", "ScanOutcome", "detect", "resolve_overlaps", "scan_and_redact"]
