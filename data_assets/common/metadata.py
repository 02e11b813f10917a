"""Rendering what a stage did into Dagster metadata a person can read in the UI."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from data_assets.warehouse.sql import table_columns


def preview_markdown(frame: pd.DataFrame, max_rows: int = 5, max_chars: int = 120) -> dg.MarkdownMetadataValue:
    """A few rows as a markdown table, long text cut. Callers pass redacted text only."""
    shown = frame.head(max_rows).copy()
    for column in shown.columns:
        shown[column] = shown[column].map(lambda v: _short(v, max_chars))
    return dg.MetadataValue.md(_to_markdown(shown) if len(shown) else "_no rows_")


def counts_markdown(counts: Mapping[str, Any], key: str = "key", value: str = "count") -> dg.MarkdownMetadataValue:
    frame = pd.DataFrame({key: list(counts.keys()), value: list(counts.values())})
    return dg.MetadataValue.md(_to_markdown(frame) if len(frame) else "_none_")


def table_markdown(frame: pd.DataFrame) -> dg.MarkdownMetadataValue:
    return dg.MetadataValue.md(_to_markdown(frame) if len(frame) else "_none_")


def figure_markdown(figure, save_to: Path | None = None, alt: str = "plot") -> dg.MarkdownMetadataValue:
    """A matplotlib figure as an embedded base64 PNG (and saved to `save_to` if given)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    data = buffer.getvalue()
    if save_to is not None:
        save_to.parent.mkdir(parents=True, exist_ok=True)
        save_to.write_bytes(data)
    encoded = base64.b64encode(data).decode("ascii")
    return dg.MetadataValue.md(f"![{alt}](data:image/png;base64,{encoded})")


def column_schema(columns: Mapping[str, str]) -> dg.TableSchema:
    """A schema for output that has no DDL (export files): column name -> type."""
    return dg.TableSchema(columns=[dg.TableColumn(name, type_) for name, type_ in columns.items()])


def table_schema(table: str) -> dg.TableSchema:
    """The schema of a warehouse table as its DDL in `sql/` declares it, with each column's comment
    as its description: the UI shows the same contract the SQL file holds."""
    return dg.TableSchema(columns=[
        dg.TableColumn(name, type_, description=description or None,
                       constraints=dg.TableColumnConstraints(nullable=not required))
        for name, type_, required, description in table_columns(table)
    ])


def column_lineage(deps: Mapping[str, list[tuple[dg.AssetKey | str, str]]]) -> dg.TableColumnLineage:
    """`{"out_col": [(upstream_asset, "in_col"), ...]}` as Dagster column lineage."""
    return dg.TableColumnLineage(
        deps_by_column={
            column: [dg.TableColumnDep(asset_key=dg.AssetKey.from_coercible(key), column_name=name) for key, name in sources]
            for column, sources in deps.items()
        }
    )


def _short(value: Any, max_chars: int) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\n", " ⏎ ").replace("|", "\\|")
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def _to_markdown(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    rows = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])
