"""data_assets: a dataset-engineering workbench for LLM training data on Dagster and DuckDB.

One subpackage per stage (README, "Layout"). Where things are:
- the spend cap: `llm/spend.py` (`RunSpend`, `cap_reason`), applied by `llm.resource.LLMResource`;
- what an asset reports (its Dagster metadata): the stage's `report.py`, e.g. `dedup/report.py`;
  multi-line asset-check queries: `sql/checks/`;
- the task taxonomy: `text/taxonomy.py`.
"""
