"""data_assets: a dataset-engineering workbench for LLM training data on Dagster and DuckDB."""
