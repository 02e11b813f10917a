"""Where things live. Every path a user can change is an environment variable read here.

These names are a public contract (README, "Configuration"); tests and other tools rely on them.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
SQL_DIR = PROJECT_DIR / "sql"
SAMPLE_DIR = PACKAGE_DIR / "sample_data"
SAMPLE_SOURCES = SAMPLE_DIR / "sources.yaml"


def database_path() -> str:
    """DuckDB database path or URI (`md:` works unchanged); default `.data/warehouse.duckdb`."""
    return os.environ.get("DATA_ASSETS_DB", ".data/warehouse.duckdb")


def sources_path() -> str:
    """Sources YAML file; default the bundled sample corpus."""
    return os.environ.get("DATA_ASSETS_SOURCES", str(SAMPLE_SOURCES))


def exports_dir() -> Path:
    return Path(os.environ.get("DATA_ASSETS_EXPORTS", ".data/exports"))


def reports_dir() -> Path:
    return Path(os.environ.get("DATA_ASSETS_REPORTS", ".data/reports"))
