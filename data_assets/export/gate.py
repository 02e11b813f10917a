"""Exports are replaced only by a run whose inputs were complete.

A step the spend cap cut short (`llm.spend_caps`) leaves part of its requests unsent: pairs
unjudged, records not generated. An export written from that would silently shrink (85 DPO rows
to 0 in the report that found it), so the previous files stay and the export's check warns.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

INPUTS_COMPLETE_CHECK = "inputs_complete"


@dataclass(frozen=True)
class Gate:
    cut_short: tuple[str, ...]   # "step: N requests not sent (reason)" for each step the cap cut short

    @property
    def open(self) -> bool:
        return not self.cut_short

    def note(self, paths: dict[str, Path]) -> str:
        if self.open:
            return "inputs complete: files replaced"
        kept = "the previous files stay" if all(p.exists() for p in paths.values()) else "no previous files; none written"
        return f"not replaced, {kept}: this run's inputs are incomplete ({'; '.join(self.cut_short)})"

    def check(self, asset: str) -> dg.AssetCheckResult:
        return dg.AssetCheckResult(
            check_name=INPUTS_COMPLETE_CHECK, asset_key=dg.AssetKey(asset), passed=self.open,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"cut_short_by_spend_cap": "; ".join(self.cut_short) or "none"},
        )


def export_gate(con: duckdb.DuckDBPyConnection, run_id: str) -> Gate:
    rows = con.execute(
        "SELECT step, requests_skipped, reason FROM llm.spend_caps WHERE run_id = ? ORDER BY step", [run_id]
    ).fetchall()
    return Gate(tuple(f"{step}: {skipped} requests not sent ({reason})" for step, skipped, reason in rows))


def check_spec(asset: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        INPUTS_COMPLETE_CHECK, asset=asset, blocking=False,
        description="Warns when a spend cap cut an upstream step short in this run; the previous export files "
                    "then stay in place instead of being replaced by an incomplete export.",
    )
