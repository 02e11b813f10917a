"""Small helpers every stage shares.

- `metadata`, `progress`: Dagster metadata rendering and progress logging.
- `checks`, `config`, `files`: asset checks, stage config, file helpers.
- `guards`: the rules human data passes, applied to generated text (PII re-scan, near-duplicate
  of a curated record); synth and augment both use them.
"""
