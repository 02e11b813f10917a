"""The augment stage: profile buckets, gap plan, noise, rewrite checks, and the asset offline and on the fake server."""

from collections import Counter

import dagster as dg
import pandas as pd

from data_assets.augment.apply import run_plan
from data_assets.augment.assets import CHECKS, augmented_documents
from data_assets.augment.noise import add_noise, placeholders
from data_assets.augment.plan import METHODS, PlannedAugmentation, find_gaps, plan_augmentations
from data_assets.augment.prompts import RewrittenInstruction
from data_assets.llm.resource import LLMResource
from data_assets.llm.types import LLMResult
from data_assets.dedup import NearDuplicateIndex
from data_assets.text.taxonomy import bucket_frame, bucket_record, detect_language
from data_assets_tests.fake_anthropic import FakeAnthropic, request_text
from data_assets_tests.stage_tables import seed_documents


def test_noise_is_deterministic_changes_text_and_keeps_placeholders():
    text = "Write an email to [PERSON_1] at [EMAIL_1] about the quarterly budget meeting."
    noisy = add_noise(text, seed="r_1")
    assert noisy == add_noise(text, seed="r_1") and noisy != text
    assert placeholders(noisy) == placeholders(text) == ["[PERSON_1]", "[EMAIL_1]"]
    assert add_noise(text, seed="r_2") != noisy or add_noise(text, seed="r_3") != noisy
    assert add_noise("[EMAIL]", seed="x") == "[EMAIL]"
    for seed in range(50):
        assert placeholders(add_noise("Call [PHONE] then mail [EMAIL] today, please.", seed=str(seed))) == ["[PHONE]", "[EMAIL]"]


def test_buckets_from_rules():
    b = bucket_record("Hey, can u tell me how to bake a cake??", "", "Mix flour and eggs.")
    assert (b.domain, b.style, b.length, b.language) == ("food", "informal", "short", "en")
    assert bucket_record("Kindly classify the following review as positive or negative.", "Love it", "Positive").task_type == "classification"
    assert bucket_record("Write a Python function that reverses a string.", "", "def r(s): return s[::-1]").domain == "programming"
    assert detect_language("El gato es negro y la casa es blanca") == "es"
    assert detect_language("Привет, как дела?") == "ru" and detect_language("これはテストです") == "ja"


def curated_frame(n_general: int = 30) -> pd.DataFrame:
    rows = [{"record_id": f"r_g{i:02d}", "instruction": f"What is a good name for a pet number {i}?", "input": "",
             "response": "Something short and friendly works well for most pets."} for i in range(n_general)]
    rows += [{"record_id": "r_hist", "instruction": "Describe the history of the Roman empire in brief.", "input": "",
              "response": "It rose, ruled the Mediterranean for centuries, and split before falling in the west."},
             {"record_id": "r_hist2", "instruction": "Which ancient empire built the pyramids of Giza?", "input": "",
              "response": "The Old Kingdom of Egypt, around 2600 to 2500 BC."},
             {"record_id": "r_hist3", "instruction": "Summarize the causes of the French revolution.", "input": "",
              "response": "Debt, bread prices, Enlightenment ideas and a rigid estate system."}]
    frame = pd.DataFrame(rows)
    return frame.assign(source="test", license="CC0-1.0", origin="human")


def test_plan_fills_thin_buckets_within_budget_deterministically():
    profiled = bucket_frame(curated_frame())
    gaps = find_gaps(profiled, METHODS, "es", 0.2)
    names = {g.name for g in gaps}
    assert "domain=history" in names and "language=es" in names and "style=formal" in names
    assert "domain=general" not in names
    plan = plan_augmentations(gaps, budget=8)
    assert len(plan) == 8 and plan == plan_augmentations(find_gaps(profiled, METHODS, "es", 0.2), budget=8)
    assert len({p.parent_id for p in plan}) == 8  # one augmentation per record by default
    history = [p for p in plan if p.gap == "domain=history"]
    assert {p.method for p in history} == {"paraphrase", "noise"} and {p.parent_id for p in history} <= {"r_hist", "r_hist2", "r_hist3"}
    assert plan_augmentations(gaps, budget=0) == []
    noise_only = find_gaps(profiled, ("noise",), "es", 0.1)
    assert {m for g in noise_only for m in g.methods} == {"noise"}


def scripted(replies: dict):
    def run(requests):
        out = []
        for request in requests:
            text = replies[request.context["instruction"]]
            out.append(LLMResult(request_hash=f"h{len(out)}", task=request.task, status="ok", provider="anthropic", model="m",
                                 output=RewrittenInstruction(instruction=text), text=text))
        return out
    return run


def test_rewrites_are_held_to_the_rules():
    curated = pd.DataFrame([
        {"record_id": "r_a", "instruction": "Email [PERSON_1] the minutes of the meeting.", "input": "", "response": "Done.",
         "source": "s", "license": "l", "origin": "human"},
        {"record_id": "r_b", "instruction": "List three uses of baking soda in cleaning.", "input": "", "response": "Drains, ovens, grout.",
         "source": "s", "license": "l", "origin": "human"},
        {"record_id": "r_c", "instruction": "Name two planets larger than Earth.", "input": "", "response": "Jupiter and Saturn.",
         "source": "s", "license": "l", "origin": "human"},
    ])
    replies = {
        "Email [PERSON_1] the minutes of the meeting.": "Send Alice Johnson the notes from the meeting.",   # placeholder lost
        "List three uses of baking soda in cleaning.": "List three uses of baking soda in cleaning!",      # a copy
        "Name two planets larger than Earth.": "Which two planets are bigger than our Earth?",
    }
    plan = [PlannedAugmentation(r, "paraphrase", "domain=science") for r in ("r_a", "r_b", "r_c")]
    plan.append(PlannedAugmentation("r_b", "noise", "domain=food"))
    outcome = run_plan(curated, plan, "es", scripted(replies), lambda: NearDuplicateIndex(0.7), scan=None)
    reasons = {(r["parent_id"], r["method"]): r["reason"] for r in outcome.rejected}
    assert reasons == {("r_a", "paraphrase"): "placeholder_changed", ("r_b", "paraphrase"): "near_copy_of_parent"}
    kept = {(d["parent_id"], d["method"]): d for d in outcome.documents}
    assert set(kept) == {("r_c", "paraphrase"), ("r_b", "noise")}
    assert kept[("r_c", "paraphrase")]["response"] == "Jupiter and Saturn."   # a paraphrase keeps the response
    assert kept[("r_b", "noise")]["parent_similarity"] < 1.0 or kept[("r_b", "noise")]["instruction"] != curated["instruction"][1]


def test_near_duplicates_among_augmented_records_are_dropped():
    curated = pd.DataFrame([
        {"record_id": f"r_{i}", "instruction": "Describe the water cycle for a ten year old student in class.", "input": "",
         "response": "Water evaporates, forms clouds, falls as rain and flows back to the sea.", "source": "s", "license": "l",
         "origin": "human"} for i in range(2)
    ])
    plan = [PlannedAugmentation("r_0", "noise", "g"), PlannedAugmentation("r_1", "noise", "g")]
    outcome = run_plan(curated, plan, "es", scripted({}), lambda: NearDuplicateIndex(0.5), scan=None)
    assert len(outcome.documents) == 1
    assert [r["reason"] for r in outcome.rejected] == ["near_duplicate_of_augmented"]


# ------------------------------------------------------------------ the asset


def seed_curated(warehouse) -> pd.DataFrame:
    frame = curated_frame()
    rows = frame.drop(columns=["source", "license", "origin"]).to_dict("records")
    rows.append({"record_id": "r_pii", "instruction": "Write a short thank-you note to [PERSON_1] and send it to [EMAIL_1] for the history museum visit.",
                 "response": "Dear [PERSON_1], thank you for the wonderful tour of the museum."})
    return seed_documents(warehouse, rows)


def materialize(warehouse, llm, **config) -> dg.ExecuteInProcessResult:
    return dg.materialize([augmented_documents, *CHECKS], resources={"warehouse": warehouse, "llm": llm},
                          run_config={"ops": {"augmented_documents": {"config": config}}})


def metadata(result) -> dict:
    [m] = result.asset_materializations_for_node("augmented_documents")
    return {k: getattr(v, "value", v) for k, v in m.metadata.items()}


def test_offline_declines_model_methods_and_applies_noise(warehouse):
    seed_curated(warehouse)
    result = materialize(warehouse, LLMResource(), min_bucket_share=0.2, max_share=0.4)
    assert result.success and all(c.passed for c in result.get_asset_check_evaluations())
    meta = metadata(result)
    with warehouse.connect() as con:
        documents = con.execute("SELECT * FROM augment.documents").df()
        rejected = con.execute("SELECT method, reason FROM augment.rejected").df()
        calls = con.execute("SELECT task, status, error FROM llm.calls").df()
        edges = con.execute("SELECT child_id, parent_id, operation FROM lineage.edges WHERE stage = 'augment'").df()
    assert len(documents) > 0 and set(documents["method"]) == {"noise"} and set(documents["provider"]) == {"rules"}
    assert set(rejected["reason"]) == {"declined"} and set(rejected["method"]) <= set(METHODS) - {"noise"}
    assert len(calls) > 0 and set(calls["status"]) == {"declined"} and calls["error"].str.contains("language model").all()
    assert "skipped_methods" in meta and meta["llm/declined"] == len(rejected)
    assert sorted(zip(edges["child_id"], edges["parent_id"], edges["operation"])) == sorted(
        zip(documents["record_id"], documents["parent_id"], documents["method"]))
    # The noisy copy of the redacted record keeps its placeholders, and noise touches instructions only.
    history = documents[documents["gap"] == "domain=history"]
    assert len(history) > 0 and (history["parent_similarity"] > 0).all()
    assert "distribution_before_after" in meta


def test_placeholders_survive_noise_on_every_record(warehouse):
    seed_documents(warehouse, [
        {"record_id": f"r_{i}", "instruction": f"Forward invoice {i} to [EMAIL_1] and copy [PERSON_1] on the history archive request.",
         "response": f"Forwarded invoice {i} to [EMAIL_1]."} for i in range(6)
    ] + [{"record_id": f"r_g{i}", "instruction": f"Suggest a name for a cat number {i}.", "response": "Mittens."} for i in range(30)])
    assert materialize(warehouse, LLMResource(), methods=["noise"], min_bucket_share=0.5, max_share=0.5).success
    with warehouse.connect() as con:
        documents = con.execute("SELECT instruction, response, parent_id FROM augment.documents WHERE parent_id NOT LIKE 'r_g%'").df()
    assert len(documents) > 0
    for row in documents.itertuples():
        assert Counter(placeholders(row.instruction)) == Counter(["[EMAIL_1]", "[PERSON_1]"])


def test_fake_server_paraphrase_is_kept_with_its_provider(monkeypatch, warehouse):
    seed_curated(warehouse)

    def reply(body):
        text = request_text(body)
        if "Roman empire" in text:
            return {"instruction": "Give a short account of how the empire of Rome rose and fell."}
        return "not json at all"

    with FakeAnthropic(reply=reply) as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-key")
        monkeypatch.setenv("DATA_ASSETS_LLM", "anthropic")
        llm = LLMResource(timeout_s=2.0, max_retries=1, max_validation_retries=0)
        result = materialize(warehouse, llm, methods=["paraphrase"], min_bucket_share=0.2, max_share=0.3)
        assert result.success
        sent = len(server.message_requests())
        with warehouse.connect() as con:
            documents = con.execute("SELECT parent_id, method, provider, instruction, response FROM augment.documents").df()
            failed = con.execute("SELECT reason FROM augment.rejected").df()
        row = documents[documents["parent_id"] == "r_hist"]
        assert list(row["provider"]) == ["anthropic"] and row["instruction"].iloc[0].startswith("Give a short account")
        assert row["response"].iloc[0].startswith("It rose")
        assert set(failed["reason"]) <= {"failed_request"}
        # Re-running sends only what failed before; the paraphrase comes from llm.calls.
        assert materialize(warehouse, llm, methods=["paraphrase"], min_bucket_share=0.2, max_share=0.3).success
        assert len(server.message_requests()) - sent == len(failed)
