"""The warehouse resource: short-lived DuckDB connections with the schema in place."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from data_assets import settings
from data_assets.warehouse.sql import ddl_fingerprint, schema_statements

_schema_ready: dict[str, tuple] = {}
_schema_lock = threading.Lock()


def _is_lock_conflict(error: duckdb.Error) -> bool:
    text = str(error).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def open_connection(path: str, *, read_only: bool = False, lock_timeout_s: float = 300.0) -> duckdb.DuckDBPyConnection:
    """Open `path`, waiting while another process holds DuckDB's single-writer lock.

    The `duckdb` concurrency pool already serialises our own runs; this wait covers everything
    else that may hold the file for a moment (a `python -m data_assets trace`, a notebook).
    """
    if not path.startswith("md:") and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + lock_timeout_s
    delay = 0.05
    while True:
        try:
            return duckdb.connect(path, read_only=read_only)
        except duckdb.IOException as error:
            if not _is_lock_conflict(error) or time.monotonic() > deadline:
                raise
            time.sleep(delay + random.random() * delay)
            delay = min(delay * 2, 2.0)


def ensure_schema(con: duckdb.DuckDBPyConnection, key: str) -> None:
    fingerprint = ddl_fingerprint()
    with _schema_lock:
        if _schema_ready.get(key) == fingerprint:
            return
        for statement in schema_statements():
            con.execute(statement)
        _schema_ready[key] = fingerprint


class WarehouseResource(dg.ConfigurableResource):
    """The one DuckDB database every stage reads and writes.

    Connections are opened per unit of work and closed right after: DuckDB lets one process
    write at a time, and a connection held across model calls would block every other run.
    """

    path: str = ""
    lock_timeout_s: float = 300.0

    @property
    def database(self) -> str:
        return self.path or settings.database_path()

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        con = open_connection(self.database, read_only=read_only, lock_timeout_s=self.lock_timeout_s)
        try:
            if not read_only:
                ensure_schema(con, self.database)
            yield con
        finally:
            con.close()

    def query_df(self, sql: str, params: list | None = None) -> pd.DataFrame:
        with self.connect() as con:
            return con.execute(sql, params or []).df()


def replace_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, where: str, params: list | None = None) -> None:
    """Delete the rows matching `where`, then insert `frame`, in one transaction.

    This is how a stage rewrites its own slice of a table: re-running it yields the same rows,
    never duplicates. Columns are matched by name, so the frame may list them in any order.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM {table} WHERE {where}", params or [])
        insert_frame(con, table, frame)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def rows_frame(rows: list[dict], columns: list[str], **constants) -> pd.DataFrame:
    """`rows` as a frame with exactly `columns`, in that order: keys a row lacks become NULL, and
    `constants` (a run id, a prompt version) fill those of `columns` they name. Ready for `insert_frame`."""
    frame = pd.DataFrame(rows).reindex(columns=columns)
    for column, value in constants.items():
        if column in frame.columns:
            frame[column] = value
    return frame


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    view = f"_insert_{threading.get_ident()}"
    con.register(view, frame)
    try:
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {view}")
    finally:
        con.unregister(view)
