"""Multi-turn conversations end to end: each layout's bad input, then a ShareGPT file, a messages
JSONL and a chat log with feedback through ingest, compliance, the conversation stage and both
exports, on a real temporary DuckDB with dg.materialize."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from data_assets.compliance.assets import compliance_documents, compliance_preferences
from data_assets.conversations.assets import conversation_documents
from data_assets.conversations.turns import conversation_fields
from data_assets.conversations.layouts import DEFAULT_FIELDS
from data_assets.dedup.assets import dedup_documents
from data_assets.export.assets import sft_export
from data_assets.ingest.assets import raw_conversations, raw_documents, raw_preferences
from data_assets.ingest.records import RowError
from data_assets.ingest.sources import SourceConfigError, load_sources
from data_assets.llm.resource import LLMResource
from data_assets.prefs.assets import dpo_export, preference_pairs
from data_assets.settings import PACKAGE_DIR
from data_assets.warehouse import WarehouseResource

SAMPLE = PACKAGE_DIR / "sample_data"
FEEDBACK = {"feedback": "feedback.rating", "edited": "feedback.edited_answer", "regenerated": "feedback.regenerated_from"}


def _fields(style: str, **mapped: str) -> dict[str, str]:
    return {name: "" for name in ("messages", "system", "response", "feedback", "edited", "regenerated")} | DEFAULT_FIELDS[style] | mapped


def _reason(style: str, row: dict, **mapped: str) -> str:
    with pytest.raises(RowError) as error:
        conversation_fields(style, _fields(style, **mapped), row)
    return str(error.value)


@pytest.mark.parametrize("row, reason", [
    ({"messages": []}, "empty conversation"),
    ({"messages": [{"role": "assistant", "content": "Hi"}, {"role": "user", "content": "Hello"}]}, "first turn after the system prompt is assistant"),
    ({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "system", "content": "c"},
                   {"role": "user", "content": "d"}, {"role": "assistant", "content": "e"}]}, "a system turn at turn 2"),
    ({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]},
                   {"role": "assistant", "content": "b"}]}, "turn 0 is not text: it holds a 'image_url' block"),
    ({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": None, "tool_calls": []}]}, "turn 1 is not text"),
    ({"messages": [{"role": "user", "content": "q"}, {"role": "bot", "content": "a"}]}, "unknown role 'bot'"),
    ({"messages": "user: hi"}, "must be a list of turns"),
    ({"messages": [{"role": "user", "content": "q"}, {"role": "tool", "content": "42"}]}, "tool after user"),
])
def test_messages_bad_input_is_rejected_with_its_reason(row: dict, reason: str):
    assert reason in _reason("messages", row)


@pytest.mark.parametrize("row, reason", [
    ({"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}, {"from": "gpt", "value": "b"}]},
     "assistant after assistant at turn 2"),
    ({"conversations": [{"from": "narrator", "value": "q"}]}, "unknown speaker 'narrator'"),
    ({"conversations": [{"from": "human", "value": "q"}]}, "ends on a user turn"),
    ({"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "  "}]}, "turn 1 (assistant) is empty"),
    ({"id": 3}, "missing required field 'messages' (column 'conversations')"),
])
def test_sharegpt_bad_input_is_rejected_with_its_reason(row: dict, reason: str):
    assert reason in _reason("sharegpt", row)


def _log(response, **extra) -> dict:
    return {"request": {"system": "Be brief.", "messages": [{"role": "user", "content": "q"}]}, "response": response, **extra}


@pytest.mark.parametrize("row, reason", [
    (_log({"content": [{"type": "tool_use", "name": "t", "input": {}}]}), "the response is not text: it holds a 'tool_use' block"),
    (_log({"unexpected": 1}), "neither text, an Anthropic response"),
    (_log("fine", feedback={"rating": "meh"}), "unknown feedback value 'meh'"),
    (_log("fine", feedback={"edited_answer": 5}), "field 'edited' (column 'feedback.edited_answer') must be text"),
    ({"request": {"system": "s", "messages": [{"role": "system", "content": "t"}, {"role": "user", "content": "q"}]}, "response": "a"},
     "two system prompts"),
])
def test_chatlog_bad_input_is_rejected_with_its_reason(row: dict, reason: str):
    assert reason in _reason("chatlog", row, **FEEDBACK)


def test_chatlog_keeps_the_system_prompt_and_reads_both_vendors_responses():
    fields = _fields("chatlog", **FEEDBACK)
    anthropic = conversation_fields("chatlog", fields, _log({"content": [{"type": "text", "text": "A."}]}, feedback={"rating": "thumbs_down"}))
    openai = conversation_fields("chatlog", fields, _log({"choices": [{"message": {"role": "assistant", "content": "A."}}]}))
    expected = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "q"}, {"role": "assistant", "content": "A."}]
    assert (json.loads(anthropic["messages"]), anthropic["feedback"], json.loads(openai["messages"])) == (expected, "down", expected)


def test_an_unknown_conversation_layout_is_a_source_error(tmp_path: Path):
    (tmp_path / "c.jsonl").write_text("")
    (tmp_path / "s.yaml").write_text("sources:\n  - {name: c, path: c.jsonl, conversation: sharegtp, role: train, origin: human}\n")
    with pytest.raises(SourceConfigError, match="conversation 'sharegtp' is not one of messages, sharegpt, chatlog"):
        load_sources(tmp_path / "s.yaml")


GRAPH = [raw_documents, raw_conversations, raw_preferences, compliance_documents, compliance_preferences,
         conversation_documents, dedup_documents, preference_pairs, sft_export, dpo_export]


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory):
    """The three bundled conversation sources and the eval set, through the graph once."""
    root = tmp_path_factory.mktemp("conversations")
    for folder in ("conversations", "eval"):
        shutil.copytree(SAMPLE / folder, root / folder)
    names = {"sharegpt_chats", "support_chats", "app_chat_log", "heldout_eval"}
    import yaml
    sources = [s for s in yaml.safe_load((SAMPLE / "sources.yaml").read_text())["sources"] if s["name"] in names]
    (root / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DATA_ASSETS_DB", str(root / "warehouse.duckdb"))
        env.setenv("DATA_ASSETS_EXPORTS", str(root / "exports"))
        env.setenv("DATA_ASSETS_SOURCES", str(root / "sources.yaml"))
        env.setenv("DATA_ASSETS_LLM", "offline")
        warehouse = WarehouseResource(path=str(root / "warehouse.duckdb"))
        result = dg.materialize(GRAPH, resources={"warehouse": warehouse, "llm": LLMResource(provider="offline"),},
                                run_config={"ops": {"sft_export": {"config": {"system_prompt": "You are helpful."}}}})
        assert result.success
        sft = [json.loads(line) for line in (root / "exports" / "sft.jsonl").read_text().splitlines()]
        dpo = [json.loads(line) for line in (root / "exports" / "dpo.jsonl").read_text().splitlines()]
        yield warehouse, sft, dpo, root / "exports"


def _rows(warehouse: WarehouseResource, sql: str) -> list[tuple]:
    with warehouse.connect() as con:
        return con.execute(sql).fetchall()


def test_every_source_row_is_a_conversation_or_a_reject(graph):
    warehouse, _, _ = graph[:3]
    counts = _rows(warehouse, "SELECT source, count(*) FROM raw.conversations GROUP BY 1 ORDER BY 1")
    rejects = _rows(warehouse, "SELECT source, count(*) FROM raw.rejects GROUP BY 1 ORDER BY 1")
    assert (counts, rejects) == ([("app_chat_log", 7), ("sharegpt_chats", 5), ("support_chats", 5)],
                                 [("app_chat_log", 2), ("sharegpt_chats", 2), ("support_chats", 2)])


def test_multi_turn_conversations_reach_sft_with_their_turns_and_system_prompt(graph):
    warehouse, sft, _ = graph[:3]
    [tutor] = [row for row in sft if row["messages"][1]["content"] == "Why does ice float on water?"]
    raw = json.loads(_rows(warehouse, "SELECT messages FROM raw.conversations WHERE source_row = 1 AND source = 'sharegpt_chats'")[0][0])
    assert (tutor["messages"], tutor["source"], tutor["license"], tutor["origin"]) == (raw, "sharegpt_chats", "CC0-1.0", "human")


def test_a_conversation_without_its_own_system_turn_opens_with_the_configured_one(graph):
    _, sft, _ = graph[:3]
    [weather] = [row for row in sft if any(t["role"] == "tool" for t in row["messages"])]
    assert [t["role"] for t in weather["messages"]] == ["system", "user", "assistant", "tool", "assistant"]


def test_duplicates_contamination_and_thumbs_down_stay_out_of_sft(graph):
    warehouse, sft, _ = graph[:3]
    statuses = dict(_rows(warehouse, "SELECT status, count(*) FROM conversations.documents GROUP BY 1"))
    openings = [row["messages"][1]["content"] for row in sft]
    answers = {row["messages"][-1]["content"] for row in sft}
    assert (statuses.get("duplicate"), statuses.get("contaminated"), len(sft), "What is the capital of Australia?" in openings,
            "No." in answers) == (1, 1, 13, False, False)


def test_pii_findings_keep_their_turn_index_and_the_export_is_redacted(graph):
    warehouse, sft, _ = graph[:3]
    findings = _rows(warehouse, "SELECT DISTINCT f.turn, f.role, f.entity_type FROM conversations.findings f JOIN raw.conversations c "
                                "USING (record_id) WHERE c.source = 'support_chats' AND c.source_row = 1 ORDER BY 1, 3")
    text = json.dumps(sft)
    assert (findings[0][:2], "EMAIL" in {f[2] for f in findings}, "dana.whitfield@example.com" in text) == ((0, "user"), True, False)


def test_feedback_becomes_human_feedback_pairs_in_dpo_with_provenance(graph):
    _, _, dpo = graph[:3]
    feedback = sorted((row["chosen"][0]["content"][:20], row["rejected"][0]["content"][:20], row["source"])
                      for row in dpo if row["judge_provider"] == "human_feedback")
    assert feedback == [
        ("The Kestrel Summit -", "All our sleeping bag", "app_chat_log"),
        ("Yes: if another auth", "No.", "app_chat_log"),
        ("Yes: its two crossin", "It is a tent with tw", "app_chat_log"),
        ("You can return unuse", "You can return unuse", "app_chat_log"),
    ]


def test_a_second_ingest_gives_the_same_conversation_ids(graph):
    warehouse, _, _ = graph[:3]
    before = _rows(warehouse, "SELECT record_id FROM raw.conversations ORDER BY 1")
    assert dg.materialize([raw_conversations], resources={"warehouse": warehouse}).success
    assert _rows(warehouse, "SELECT record_id FROM raw.conversations ORDER BY 1") == before


def test_lineage_traces_a_duplicate_conversation_to_its_source_row(graph):
    warehouse, _, _ = graph[:3]
    [(parent, source, row)] = _rows(warehouse, "SELECT e.parent_id, c.source, c.source_row FROM lineage.edges e "
                                               "JOIN raw.conversations c ON c.record_id = e.parent_id WHERE e.operation = 'duplicate_of'")
    assert (source, row) == ("sharegpt_chats", 2)


def test_a_feedback_pair_in_dpo_traces_back_to_its_chat_log_row(graph):
    warehouse, _, dpo = graph[:3]
    [edited] = [row for row in dpo if row["judge_provider"] == "human_feedback" and row["chosen"][0]["content"].endswith("within 30 days.")
                and "60 days" in row["chosen"][0]["content"]]
    roots = _rows(warehouse, f"SELECT source, source_row FROM lineage.roots WHERE record_id = '{edited['id']}' "
                             "AND root_id LIKE 'c_%'")
    assert roots == [("app_chat_log", 0)]


def test_a_thumbs_down_pair_traces_to_both_logged_answers(graph):
    warehouse, _, dpo = graph[:3]
    [thumbs] = [row for row in dpo if row["judge_provider"] == "human_feedback" and row["rejected"][0]["content"] == "No."]
    roots = _rows(warehouse, f"SELECT source, source_row FROM lineage.roots WHERE record_id = '{thumbs['id']}' "
                             "AND root_id LIKE 'c_%' ORDER BY 2")
    assert roots == [("app_chat_log", 3), ("app_chat_log", 8)]


def _logged(record_id: str, source: str, question: str, answer: str, feedback: str) -> dict:
    return {"record_id": record_id, "source": source, "source_uri": f"{source}.jsonl", "source_row": 0, "license": "internal",
            "messages": json.dumps([{"role": "user", "content": question}, {"role": "assistant", "content": answer}]),
            "feedback": feedback, "edited": "", "regenerated": "", "ingested_at": pd.Timestamp("2026-01-01")}


def test_a_thumbs_down_answer_loses_only_to_a_thumbs_up_answer_to_the_same_request_in_its_source():
    from data_assets.conversations.feedback import feedback_pairs
    from data_assets.ingest.load import PREFERENCE_COLUMNS
    logs = pd.DataFrame([_logged("c_1", "app", "Do you ship to Canada?", "No.", "down"),
                         _logged("c_2", "app", "do you ship to  canada?", "Yes, in 5 to 8 days.", "up"),
                         _logged("c_3", "app", "Do you ship to Mexico?", "Maybe.", "down"),
                         _logged("c_4", "other_app", "Do you ship to Mexico?", "Yes.", "up")])
    pairs, counts, _ = feedback_pairs(logs, PREFERENCE_COLUMNS)
    assert (pairs[["chosen", "rejected"]].values.tolist(), counts["thumbs-down answers with no alternative (no pair, left out of SFT)"]) == (
        [["Yes, in 5 to 8 days.", "No."]], 1)


def test_the_conversation_profile_is_a_snapshot_with_turns_and_chars_per_role(graph):
    warehouse, _, _ = graph[:3]
    with warehouse.connect() as con:
        raw = [json.loads(m) for (m,) in con.execute("SELECT messages FROM raw.conversations").fetchall()]
    stats = dict(((f, s), v) for f, s, v in _rows(warehouse, "SELECT field, statistic, value FROM profile.snapshots WHERE dataset = 'conversations'"))
    assert (stats[("*", "conversations")], stats[("*", "turns")], stats[("user", "turns")], stats[("*", "turns_max")]) == (
        len(raw), sum(map(len, raw)), sum(t["role"] == "user" for c in raw for t in c), max(map(len, raw)))


def test_trl_reads_the_multi_turn_rows_and_trains_a_step_on_them(graph, tmp_path):
    pytest.importorskip("trl", reason="trl (dev extra, with torch) is not installed")
    import datasets
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast
    from trl import SFTConfig, SFTTrainer
    from trl.data_utils import is_conversational, maybe_apply_chat_template

    from data_assets_tests.test_trl_compat import CHATML, tiny_model

    path = graph[3] / "sft.jsonl"
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer, bpe.decoder = pre_tokenizers.ByteLevel(add_prefix_space=False), decoders.ByteLevel()
    bpe.train_from_iterator(path.read_text().splitlines(), trainers.BpeTrainer(
        vocab_size=500, special_tokens=["<|im_start|>", "<|im_end|>", "<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>", pad_token="<|endoftext|>", chat_template=CHATML)
    dataset = datasets.load_dataset("json", data_files=str(path), split="train")
    rendered = [maybe_apply_chat_template(row, tokenizer)["text"] for row in dataset if is_conversational(row)]
    longest = max(dataset, key=lambda row: len(row["messages"]))
    assert (len(rendered), len(longest["messages"]), rendered[list(dataset["id"]).index(longest["id"])].count("<|im_start|>")) == (
        len(dataset), 5, 5)
    trainer = SFTTrainer(model=tiny_model(tokenizer), processing_class=tokenizer, train_dataset=dataset,
                         args=SFTConfig(output_dir=str(tmp_path), max_steps=1, per_device_train_batch_size=2,
                                        report_to=[], save_strategy="no", use_cpu=True, max_length=512))
    assert trainer.train().training_loss > 0


def test_an_eval_opening_request_is_recorded_as_conversation_contamination(graph):
    warehouse, _, _ = graph[:3]
    rows = _rows(warehouse, "SELECT c.source, c.source_row, d.part, d.method FROM dedup.contamination d "
                            "JOIN raw.conversations c USING (record_id) WHERE d.stage = 'conversations'")
    edges = _rows(warehouse, "SELECT count(*) FROM lineage.edges WHERE stage = 'conversations' AND operation = 'contaminates_eval'")
    assert (rows, edges) == ([("sharegpt_chats", 3, "first_user_turn", "prompt")], [(1,)])


def test_an_eval_item_pasted_later_in_a_chat_is_contamination():
    from data_assets.conversations.stage import contamination_matches
    from data_assets.dedup.contamination import EvalIndex

    passage = ("Photosynthesis is the process by which green plants, algae and some bacteria convert light energy into "
               "chemical energy, combining carbon dioxide and water into glucose and releasing oxygen.")
    index = EvalIndex.from_records(pd.DataFrame([{"record_id": "e1", "instruction": "Summarize the passage.", "input": passage,
                                                  "response": "Plants turn light into sugar."}]))
    turns = [{"role": "user", "content": "Hi, can you help me study?"}, {"role": "assistant", "content": "Of course."},
             {"role": "user", "content": f"Summarize this: {passage}"}, {"role": "assistant", "content": "Plants make sugar from light."}]
    clean = [{"role": "user", "content": "What should I pack for a hike?"}, {"role": "assistant", "content": "Water and a map."}]
    found = contamination_matches({"c_late": turns, "c_clean": clean}, index)
    assert found[["record_id", "eval_record_id", "part"]].values.tolist() == [["c_late", "e1", "conversation"]]
