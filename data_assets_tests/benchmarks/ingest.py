"""Raw ingest throughput: our readers (decoding, validation, per-row reasons, canonical ids)
against DuckDB's and pandas' readers of the same files, in the same run.

The corpus is Alpaca 5,000 from ../shared/data repeated 20 times (100,000 rows), written in a
temporary folder as JSONL, CSV (with an Excel BOM) and UTF-16 JSONL. The peers only parse: they
keep no reject reasons, compute no ids and check no mapping, so they bound what parsing costs;
the ratio to the fastest of them is quoted.
"""

from __future__ import annotations

import codecs
import csv
import json
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from data_assets.ingest.load import ingest_sources
from data_assets.ingest.sources import load_sources

ALPACA = Path(__file__).resolve().parents[3] / "shared" / "data" / "alpaca" / "alpaca_data_random5000.json"
REPEAT = 20


def _median_seconds(run, times: int = 3) -> float:
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def _write_files(folder: Path, rows: list[dict]) -> dict[str, Path]:
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    paths = {"jsonl": folder / "alpaca.jsonl", "csv": folder / "alpaca.csv", "utf16_jsonl": folder / "alpaca16.jsonl"}
    paths["jsonl"].write_text(lines, encoding="utf-8")
    paths["utf16_jsonl"].write_bytes(codecs.BOM_UTF16_LE + lines.encode("utf-16-le"))
    with paths["csv"].open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["instruction", "input", "output"])
        writer.writeheader()
        writer.writerows(rows)
    return paths


def main() -> dict:
    if not ALPACA.is_file():
        print(f"skipped: {ALPACA} not found")
        return {"skipped": True}
    rows = json.loads(ALPACA.read_text(encoding="utf-8")) * REPEAT
    results: dict = {"rows": len(rows)}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = _write_files(folder, rows)
        print(f"{len(rows):,} rows; median of 3 runs")
        print(f"{'file':<12} {'reader':<26} {'seconds':>8} {'rows/s':>10} {'vs fastest peer':>16}")
        for kind, path in paths.items():
            sources = load_sources(_sources_yaml(folder, path))
            check = ingest_sources(sources)
            # Alpaca has two rows with an empty output: rejected, every time, with that reason.
            blank = sum(1 for r in rows if not r["output"].strip())
            assert len(check.documents) == len(rows) - blank and set(check.rejects["error"]) <= {"missing required field 'response' (column 'output')"}, kind
            timings = {"ours (ingest_sources)": _median_seconds(lambda: ingest_sources(sources))}
            if kind == "jsonl":
                timings["duckdb read_json"] = _median_seconds(lambda: duckdb.sql(f"SELECT * FROM read_json('{path}', format='newline_delimited')").arrow())
                timings["pandas read_json(lines)"] = _median_seconds(lambda: pd.read_json(path, lines=True, dtype=False))
            elif kind == "csv":
                timings["duckdb read_csv"] = _median_seconds(lambda: duckdb.sql(f"SELECT * FROM read_csv('{path}', all_varchar=true)").arrow())
                timings["pandas read_csv"] = _median_seconds(lambda: pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig"))
            else:  # UTF-16: DuckDB reads UTF-8 only, so pandas is the one peer
                timings["pandas read_json(lines)"] = _median_seconds(lambda: pd.read_json(path, lines=True, dtype=False, encoding="utf-16"))
            peers = {k: v for k, v in timings.items() if not k.startswith("ours")}
            fastest = min(peers.values())
            results[kind] = {}
            for reader, seconds in timings.items():
                ratio = seconds / fastest
                print(f"{kind:<12} {reader:<26} {seconds:>8.2f} {len(rows) / seconds:>10,.0f} {ratio:>15.1f}x")
                results[kind][reader] = {"seconds": round(seconds, 3), "rows_per_s": round(len(rows) / seconds), "vs_fastest_peer": round(ratio, 2)}
    return results


def _sources_yaml(folder: Path, path: Path) -> Path:
    out = folder / f"{path.stem}.sources.yaml"
    out.write_text(yaml.safe_dump({"sources": [{
        "name": "alpaca", "path": path.name, "format": "csv" if path.suffix == ".csv" else "jsonl",
        "role": "train", "origin": "human", "license": "CC-BY-NC-4.0", "fields": {"response": "output"}}]}))
    return out


if __name__ == "__main__":
    main()
