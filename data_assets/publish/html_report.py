"""The report page: one self-contained HTML file (`index.html` in the reports folder).

People would rather look than read, and the Dagster UI hides each plot behind "[Show Markdown]".
The page shows every plot inline (base64 PNG, so the file can be mailed or opened offline), the
run's tables, and for each stage its warehouse tables with their columns and row counts, the SQL
that opens them, links to the stage's page in the Dagster UI, and the lineage queries, with a real
exported row traced to its source. Only ids, counts and reasons appear: never record text.
"""

from __future__ import annotations

import base64
import html
import math
import os
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from data_assets.publish.facts import RunFacts
from data_assets.publish.plots import all_plots
from data_assets.warehouse.sql import table_columns

# Warehouse schema -> (heading, Dagster asset group, what the stage does). Schemas not listed
# (added later by another stage) still get a section, under their own name.
STAGES = {
    "raw": ("Ingest", "ingest", "every configured source read verbatim; bad rows kept in raw.rejects with the reason"),
    "compliance": ("Compliance", "compliance", "PII and secrets found, redacted or dropped by policy; licenses and blocked terms"),
    "dedup": ("Dedup and decontamination", "dedup", "exact and MinHash near-duplicate clusters; overlap with the eval set removed"),
    "augment": ("Augmentation", "augment", "curated records rewritten to fill thin buckets of the profile"),
    "synth": ("Synthetic pairs", "synth", "Self-Instruct pairs, filtered for novelty and verified"),
    "prefs": ("Preferences", "prefs", "pairs judged in both orders; the judge's biases measured every run"),
    "curves": ("Data curves", "curves", "proxy models trained on growing subsets; error(n) = a·n^-b + c"),
    "profile": ("Profiles", "profile", "lengths, languages and verbs of raw and curated data"),
    "llm": ("Model calls", None, "the ledger and cache of every model request"),
    "lineage": ("Lineage", None, "one edge per derive, merge, redact and drop"),
}
PLOTS_BY_STAGE = {"dedup": ["clusters"], "prefs": ["bias"], "curves": None, "profile": ["profiles"]}


def report_html(facts: RunFacts, reports_dir: Path, database: str, ui_url: str = "http://127.0.0.1:3000",
                generated_at: datetime | None = None) -> str:
    plots = all_plots(facts)
    when = (generated_at or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    exports = os.path.relpath(facts.exports_dir.resolve(), reports_dir.resolve())
    schemas = list(dict.fromkeys([*[s for s in STAGES if s in set(facts.tables["schema"])], *facts.tables["schema"]]))
    nav = " · ".join(f'<a href="#stage-{s}">{html.escape(STAGES.get(s, (s,))[0])}</a>' for s in schemas)
    body = [
        f"<h1>data_assets run report</h1><p class=muted>Generated {when} from <code>{html.escape(database)}</code>. "
        f"Stages: {nav} · <a href='#exports'>Exports</a></p>",
        "<h2>Rows per stage</h2>" + _table(facts.rows_per_stage),
        "<h2 id=drops>Where rows went</h2>" + _figure("drops", plots["drops"])
        + "<p>Every row counted here is kept, with its reason, in the table named.</p>" + _table(facts.drops),
        _exports(facts, exports),
        *[_stage(facts, schema, plots, ui_url) for schema in schemas],
    ]
    return PAGE.format(body="\n".join(body))


def _exports(facts: RunFacts, exports: str) -> str:
    links = " · ".join(f'<a href="{html.escape(exports)}/{name}">{name}</a>'
                       for name in ("sft.jsonl", "sft.parquet", "dpo.jsonl", "dpo.parquet", "README.md"))
    sft = _counts(facts.sft, ["origin", "provider", "verification"])
    dpo = _counts(facts.dpo, ["judge_provider", "chosen_origin", "rejected_origin"])
    return (f"<h2 id=exports>Exports</h2><p>{links} (README.md is the dataset card)</p>"
            f"<h3>SFT rows by origin, generator and verification</h3>{sft}"
            f"<h3>DPO pairs by judge and origins</h3>{dpo}")


def _stage(facts: RunFacts, schema: str, plots: dict, ui_url: str) -> str:
    title, group, what = STAGES.get(schema, (schema, None, ""))
    parts = [f"<section id='stage-{schema}'><h2>{html.escape(title)}</h2><p>{html.escape(what)}"]
    if group:
        parts.append(f" · <a href='{ui_url}/locations/data_assets/asset-groups/{group}'>Dagster UI: {group} assets</a>")
    parts.append(f" · <a href='#lineage-{schema}'>lineage queries</a></p>")
    wanted = PLOTS_BY_STAGE.get(schema, [])
    names = [n for n in plots if n.startswith("curves_")] if wanted is None else wanted
    parts.extend(_figure(name, plots[name]) for name in names)
    parts.append(_stage_tables(facts, schema))
    if schema == "prefs" and len(facts.pairs_by_verdict):
        parts.append("<h3>Pairs by verdict</h3>" + _table(facts.pairs_by_verdict))
    if schema == "curves" and len(facts.fits):
        shown = [c for c in ("trainer", "variant", "status", "informative", "b", "c", "score_at_largest_n", "largest_n",
                             "n_for_target", "ci_low", "ci_high", "extrapolation_factor") if c in facts.fits.columns]
        parts.append("<h3>Fits</h3>" + _table(facts.fits[shown]))
    if schema == "llm":
        parts.append("<h3>Calls by task, provider and model</h3>" + _table(facts.llm_usage))
    parts.append(_lineage(facts, schema))
    return "".join(parts) + "</section>"


def _figure(name: str, plot: tuple[str, bytes]) -> str:
    caption, data = plot
    return (f"<figure><img alt='{html.escape(caption)}' data-plot='{name}' "
            f"src='data:image/png;base64,{base64.b64encode(data).decode('ascii')}'>"
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _stage_tables(facts: RunFacts, schema: str) -> str:
    rows = []
    for table, count in facts.tables.loc[facts.tables["schema"] == schema, ["table", "rows"]].itertuples(index=False):
        name = f"{schema}.{table}"
        try:
            columns = ", ".join(f"<span title='{html.escape(d)}'>{html.escape(c)}</span>" for c, _, _, d in table_columns(name))
        except FileNotFoundError:  # a table made outside sql/ (a test's or another tool's)
            columns = ""
        rows.append(f"<tr id='table-{schema}-{table}'><td><a href='#table-{schema}-{table}'><code>{name}</code></a></td>"
                    f"<td class=num>{count:,}</td><td>{columns}</td>"
                    f"<td><code>duckdb.connect(db, read_only=True).sql(\"SELECT * FROM {name} LIMIT 20\").df()</code></td></tr>")
    if not rows:
        return ""
    return ("<h3>Tables</h3><table><tr><th>table</th><th>rows</th><th>columns (hover: meaning)</th><th>open it</th></tr>"
            + "".join(rows) + "</table>")


def _lineage(facts: RunFacts, schema: str) -> str:
    queries = [f"SELECT operation, count(*) FROM lineage.edges WHERE stage = '{schema}' GROUP BY ALL;  -- this stage's steps"
               ] if schema in facts.edge_stages else []
    queries += ["SELECT * FROM lineage.trace('RECORD_ID') ORDER BY depth;   -- one record's ancestry",
                "SELECT * FROM lineage.roots WHERE record_id = 'RECORD_ID';  -- the raw rows it descends from"]
    text = (f"<h3 id='lineage-{schema}'>Lineage queries</h3><pre>{html.escape(chr(10).join(queries))}</pre>")
    if schema == "lineage":
        for origin, record_id in facts.example_ids.items():
            text += (f"<h4>An exported {html.escape(origin)} row: <code>{html.escape(record_id)}</code></h4>"
                     f"<pre>python -m data_assets trace {html.escape(record_id)}</pre>" + _table(facts.traces.get(record_id, pd.DataFrame())))
    return text


def _counts(frame: pd.DataFrame, columns: list[str]) -> str:
    if frame.empty:
        return "<p class=muted>none</p>"
    return _table(frame.groupby(columns, dropna=False).size().reset_index(name="rows"))


def _table(frame: pd.DataFrame) -> str:
    if frame is None or frame.empty:
        return "<p class=muted>none</p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False))
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(value) -> str:
    if value is None or (not isinstance(value, (str, list)) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        if math.isinf(value):
            return "∞"
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3f}"
    return str(value)


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>data_assets run report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.85rem; }}
td, th {{ border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }}
th {{ background: #f4f4f4; }} td.num {{ text-align: right; }}
figure {{ margin: 1rem 0; }} img {{ max-width: 100%; }} figcaption, .muted {{ color: #666; font-size: 0.85rem; }}
pre {{ background: #f6f8fa; padding: 0.5rem; overflow-x: auto; }} section {{ border-top: 1px solid #ccc; margin-top: 2rem; }}
</style></head><body>
{body}
</body></html>
"""
