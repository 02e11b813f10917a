"""The augment stage: curated records rewritten to fill the thin buckets of the curated profile.

- `plan`: which records to augment and how (only the buckets the profile lacks).
- `apply`: carry out a plan, then hold every new record to the rules human data passes.
- `prompts`: the rewrite requests and their reply models; `offline`: why there is no offline rewrite.
- `noise`: the typing noise a user really makes.
- `report`: what the asset reports (its Dagster metadata), from the plan and its outcome.

The buckets (domain, task type, style, length, language) are the task taxonomy's
(`data_assets.text.taxonomy`); the guards are `data_assets.common.guards`.
"""
