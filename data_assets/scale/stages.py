"""The stages' per-record work, here or on the cluster: what compliance and the profiles call.

Each function takes the stage's `RayResource` session (None: in-process) and returns what the stage's
own function returns, plus the session's metadata for the asset (empty in-process).
"""

from __future__ import annotations

import logging

import pandas as pd

from data_assets.common.progress import Progress
from data_assets.compliance.policy import CompliancePolicy
from data_assets.compliance.scan import StageResult, scan_documents
from data_assets.profile.stats import Profile, profile_from_statistics, profile_records
from data_assets.scale.batches import as_frame, profile_batch, scan_batch, scan_result
from data_assets.scale.session import RaySession
from data_assets.warehouse import WarehouseResource


def scan(session: RaySession | None, warehouse: WarehouseResource, query: str, policy: CompliancePolicy, run_id: str,
         text_fields: tuple[str, ...], log: logging.Logger | None = None, label: str = "compliance scan") -> StageResult:
    """`scan_documents` over the rows of `query` (ordered by record_id)."""
    if session is None:
        with warehouse.connect() as con:
            raw = con.execute(query).df()
        progress = Progress(log, len(raw), label)
        return scan_documents(raw, policy, run_id, advance=progress.advance, text_fields=text_fields)
    with warehouse.connect() as con:
        rows = session.export_query(con, query, "scan")
    table = session.transform("scan", rows, scan_batch, policy=policy, run_id=run_id, text_fields=text_fields)
    if table is None:
        return scan_documents(pd.DataFrame(columns=["record_id", "license", *text_fields]), policy, run_id, text_fields=text_fields)
    with session.phase("scan_merge"):
        return scan_result(table, text_fields)


def profile(session: RaySession | None, warehouse: WarehouseResource, query: str) -> tuple[Profile, int]:
    """The profile of `query`'s records and how many there were."""
    if session is None:
        with warehouse.connect() as con:
            frame = con.execute(query).df()
        return profile_records(frame), len(frame)
    with warehouse.connect() as con:
        rows = session.export_query(con, query, "profile")
    table = session.transform("profile", rows, profile_batch)
    if table is None:
        return profile_records(pd.DataFrame(columns=["record_id", "role", "instruction", "input", "response"])), 0
    with session.phase("profile_merge"):
        return profile_from_statistics(as_frame(table)), table.num_rows

