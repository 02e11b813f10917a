"""Two runs on one DuckDB file at once (a scheduled run and one started from the UI) both succeed:
DuckDB admits one writer process, and our connections wait for its lock instead of failing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SELECTION = "raw_documents,raw_preferences,compliance_documents,dedup_documents,raw_profile"


def test_overlapping_runs_share_the_database(tmp_path: Path):
    database = tmp_path / "shared.duckdb"
    runs = []
    for name in ("scheduled", "from_ui"):
        home = tmp_path / name
        home.mkdir()
        env = {**os.environ, "DATA_ASSETS_DB": str(database), "DAGSTER_HOME": str(home),
               "DATA_ASSETS_REPORTS": str(tmp_path / name / "reports"), "DATA_ASSETS_LLM": "offline"}
        runs.append(subprocess.Popen([sys.executable, "-m", "data_assets", "run", "--select", SELECTION], cwd=PROJECT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    for run, output in zip(runs, outputs):
        assert run.returncode == 0, output[-3000:]
        assert "succeeded" in output
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        # Both runs wrote the same rows: no duplicates, whichever finished last.
        assert con.execute("SELECT count(*), count(DISTINCT record_id) FROM raw.documents").fetchone() == (311, 311)
        assert con.execute("SELECT count(*), count(DISTINCT record_id) FROM compliance.documents").fetchone() == (311, 311)
