"""The prefs stage: AI-judged preference pairs for DPO.

- `candidates`: which prompts get a pair, and the two responses of each (the dataset's response
  against a generated one, two generations, or a documented degradation offline; human-labeled
  pairs for calibration).
- `rubric`: the judge's written rubric, its structured verdict, the request builders.
- `judging`: every pair judged in both orders; two verdicts combined into one.
- `bias`: position consistency, position and length bias, human agreement, every run.
- `heuristic` / `offline`: the offline judge, a documented position-independent heuristic.
- `degrade`: the documented degradations that make offline rejected responses.
- `export`: dpo.jsonl and dpo.parquet, consistent pairs only.
- `report`: what `preference_pairs` reports (its Dagster metadata); the bias history query is
  `sql/reports/prefs_bias_history.sql`.
"""
