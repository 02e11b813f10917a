"""The dataset card (loads with huggingface_hub's DatasetCard, with this run's figures) and the report
page (every plot renders in headless Chromium, every in-page link has a target, no record text)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import dagster as dg
import pytest

from data_assets.export.assets import sft_export
from data_assets.llm.resource import LLMResource
from data_assets.prefs.assets import dpo_export
from data_assets.publish.assets import dataset_card, report_page
from data_assets_tests.test_prefs import SFT_RECORDS, run_prefs, seed_preferences, seed_sft

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
SECTIONS = ["## Sources and licenses", "## Compliance policy applied", "## Dedup and decontamination", "## Origins mix",
            "## Judge and bias figures", "## Curves and what they predict", "## Known limitations"]


def publish(warehouse) -> dg.ExecuteInProcessResult:
    result = dg.materialize([sft_export, dpo_export, dataset_card, report_page], resources={"warehouse": warehouse})
    assert result.success
    return result


@pytest.fixture
def published(warehouse) -> tuple[Path, Path]:
    seed_sft(warehouse)
    seed_preferences(warehouse)
    assert run_prefs(warehouse, LLMResource(provider="offline"), sample_size=8, human_sample_size=3).success
    publish(warehouse)
    return Path(os.environ["DATA_ASSETS_EXPORTS"]), Path(os.environ["DATA_ASSETS_REPORTS"])


def test_the_card_loads_with_datasetcard_and_holds_this_runs_figures(published):
    huggingface_hub = pytest.importorskip("huggingface_hub", reason="huggingface_hub (dev extra) is not installed")
    exports, _ = published
    card = huggingface_hub.DatasetCard.load(exports / "README.md")
    data = card.data.to_dict()
    assert [c["config_name"] for c in data["configs"]] == ["sft", "dpo"]
    assert data["configs"][0]["data_files"] == [{"split": "train", "path": "sft.jsonl"}]
    assert data["license"] == "cc0-1.0" and data["task_categories"] == ["text-generation"]
    assert data["size_categories"] == ["n<1K"]
    assert all(section in card.text for section in SECTIONS)
    sft = (exports / "sft.jsonl").read_text(encoding="utf-8").splitlines()
    dpo = (exports / "dpo.jsonl").read_text(encoding="utf-8").splitlines()
    assert f"`sft.jsonl`/`sft.parquet`: {len(sft):,} chat conversations" in card.text
    assert f"`dpo.jsonl`/`dpo.parquet`: {len(dpo):,} preference pairs" in card.text
    assert "| consistency_rate | 1.000 | self-consistency check |" in card.text       # the offline judge, named so
    assert "Pairs it decided alone are left out of dpo.jsonl" in card.text


def test_the_card_shows_the_curves_informative_flag_when_the_curves_stage_writes_it(published, warehouse):
    exports, _ = published
    assert "informative" not in (exports / "README.md").read_text(encoding="utf-8").split("## Curves")[1].split("##")[0]
    with warehouse.connect() as con:
        con.execute("ALTER TABLE curves.fits ADD COLUMN IF NOT EXISTS informative BOOLEAN")
        con.execute("""INSERT INTO curves.fits (variant, trainer, metric, status, informative, run_id)
                       VALUES ('curated', 'sft', 'rouge_l_f', 'fitted', false, 'r1')""")
    dg.materialize([dataset_card], resources={"warehouse": warehouse})
    text = (exports / "README.md").read_text(encoding="utf-8")
    assert "| trainer | variant | status | informative |" in text
    assert "1 curves are flagged not informative by the curves stage." in text


def test_no_record_text_reaches_the_card_or_the_report(published):
    exports, reports = published
    pages = (exports / "README.md").read_text(encoding="utf-8") + (reports / "index.html").read_text(encoding="utf-8")
    texts = [t for record in SFT_RECORDS for t in record if len(t) > 20]
    assert texts and not [t for t in texts if t in pages]


def test_a_second_publish_rewrites_the_card_in_place(published, warehouse):
    exports, reports = published
    publish(warehouse)
    assert sorted(p.name for p in exports.iterdir()) == ["README.md", "dpo.jsonl", "dpo.parquet", "sft.jsonl", "sft.parquet"]
    assert (reports / "index.html").stat().st_size > 10_000


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed: `apt-get install chromium` (README, 'The UI')")
def test_the_report_page_renders_every_plot_in_chromium(published):
    _, reports = published
    shown = check_report_in_browser(reports / "index.html", reports / "report_page.png")
    assert {"profiles", "drops", "clusters", "bias"} <= set(shown) and any(name.startswith("curves_") for name in shown)


def check_report_in_browser(page_path: Path, screenshot: Path) -> list[str]:
    """Open the page in headless Chromium, assert every plot decoded and every in-page link has a
    target, save a full-page screenshot; return the names of the plots shown."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (dev extra) is not installed")
    with sync_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        page.goto(page_path.resolve().as_uri())
        page.wait_for_load_state("load")
        plots = page.eval_on_selector_all(
            "img[data-plot]", "imgs => imgs.map(i => ({name: i.dataset.plot, ok: i.complete && i.naturalWidth > 0, w: i.naturalWidth}))")
        dangling = page.eval_on_selector_all(
            "a[href^='#']", "links => links.map(a => a.getAttribute('href').slice(1)).filter(id => !document.getElementById(id))")
        page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    assert plots and all(p["ok"] and p["w"] > 100 for p in plots), json.dumps(plots)
    assert dangling == []
    assert screenshot.stat().st_size > 20_000
    return [p["name"] for p in plots]
