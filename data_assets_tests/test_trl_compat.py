"""TRL reads the exports as they are: sft.jsonl and dpo.jsonl (both prompt formats) through
`trl.data_utils`, then one training step of SFTTrainer and DPOTrainer on a tiny model.

Nothing is downloaded: the tokenizer is a byte-level BPE trained here on the exported text, with
a ChatML chat template, and the model is a one-layer GPT-2 with random weights. The DPO check is
the one TRL makes itself: the tokenized prompt must be a prefix of the tokenized prompt +
completion, or TRL cuts the end of the prompt off and warns.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import dagster as dg
import pytest

pytest.importorskip("trl", reason="trl (dev extra, with torch) is not installed")
os.environ.setdefault("HF_HUB_OFFLINE", "1")    # nothing here may reach the Hub

import datasets  # noqa: E402
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers  # noqa: E402
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast  # noqa: E402
from trl import DPOConfig, DPOTrainer, SFTConfig, SFTTrainer  # noqa: E402
from trl.data_utils import is_conversational, maybe_apply_chat_template, maybe_extract_prompt  # noqa: E402

from data_assets.export.assets import sft_export  # noqa: E402
from data_assets.llm.resource import LLMResource  # noqa: E402
from data_assets.prefs.assets import dpo_export  # noqa: E402
from data_assets_tests.test_prefs import run_prefs, seed_preferences, seed_sft  # noqa: E402

CHATML = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
          "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """sft.jsonl and dpo.jsonl in both formats, from one offline run of the prefs and export stages."""
    from data_assets.warehouse import WarehouseResource

    root = tmp_path_factory.mktemp("trl")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DATA_ASSETS_DB", str(root / "warehouse.duckdb"))
        warehouse = WarehouseResource(path=str(root / "warehouse.duckdb"))
        seed_sft(warehouse)
        seed_preferences(warehouse)
        assert run_prefs(warehouse, LLMResource(provider="offline"), sample_size=12, human_sample_size=3).success
        out = {}
        for prompt_format in ("conversational", "standard"):
            env.setenv("DATA_ASSETS_EXPORTS", str(root / prompt_format))
            # Offline-judged pairs included, so the export holds generated-vs-degraded pairs as well as human ones.
            config = {"dpo_export": {"config": {"prompt_format": prompt_format, "include_offline_judged_pairs": True}},
                      "sft_export": {"config": {"system_prompt": "You are a helpful assistant."}}}
            assert dg.materialize([sft_export, dpo_export], resources={"warehouse": warehouse},
                                  run_config={"ops": config}).success
            out[f"dpo_{prompt_format}"] = root / prompt_format / "dpo.jsonl"
        out["sft"] = root / "conversational" / "sft.jsonl"
        yield out


@pytest.fixture(scope="module")
def tokenizer(exports) -> PreTrainedTokenizerFast:
    texts = [line for path in exports.values() for line in path.read_text(encoding="utf-8").splitlines()]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(texts, trainers.BpeTrainer(
        vocab_size=600, special_tokens=["<|im_start|>", "<|im_end|>", "<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    return PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|endoftext|>", pad_token="<|endoftext|>",
                                   chat_template=CHATML)


def tiny_model(tokenizer) -> GPT2LMHeadModel:
    return GPT2LMHeadModel(GPT2Config(vocab_size=len(tokenizer), n_positions=1024, n_embd=16, n_layer=1, n_head=2))


def load(path: Path) -> datasets.Dataset:
    return datasets.load_dataset("json", data_files=str(path), split="train")


def test_sft_rows_are_conversational_and_train_one_step(exports, tokenizer, tmp_path):
    dataset = load(exports["sft"])
    assert len(dataset) > 0 and {"messages", "id", "origin", "provider", "verification"} <= set(dataset.column_names)
    for row in dataset:
        assert is_conversational(row)
        assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
        assert maybe_apply_chat_template(row, tokenizer)["text"].startswith("<|im_start|>system\nYou are a helpful assistant.")
    trainer = SFTTrainer(model=tiny_model(tokenizer), processing_class=tokenizer, train_dataset=dataset,
                         args=SFTConfig(output_dir=str(tmp_path), max_steps=1, per_device_train_batch_size=2,
                                        report_to=[], save_strategy="no", use_cpu=True, max_length=512))
    assert trainer.train().training_loss > 0


@pytest.mark.parametrize("prompt_format", ["conversational", "standard"])
def test_dpo_prompts_are_whole_prefixes_and_train_one_step(exports, tokenizer, tmp_path, prompt_format):
    dataset = load(exports[f"dpo_{prompt_format}"])
    assert len(dataset) > 0 and {"judge_provider", "judge_model", "verdict_both_orders", "chosen_origin"} <= set(dataset.column_names)
    assert set(dataset["judge_provider"]) == {"human", "offline"}
    for row in dataset:
        assert is_conversational(row) == (prompt_format == "conversational")
        assert maybe_extract_prompt(row) == row          # the prompt is explicit: TRL does not re-derive it
        rendered = maybe_apply_chat_template(row, tokenizer)
        assert (rendered["prompt"] + rendered["chosen"]).startswith(rendered["prompt"])
    model = tiny_model(tokenizer)
    trainer = DPOTrainer(model=model, ref_model=copy.deepcopy(model), processing_class=tokenizer, train_dataset=dataset,
                         args=DPOConfig(output_dir=str(tmp_path), max_steps=1, per_device_train_batch_size=2,
                                        report_to=[], save_strategy="no", use_cpu=True, max_length=None))
    # TRL keeps of each prompt only the tokens shared with prompt + completion: all of them, for every row.
    for source, tokenized in zip(dataset, trainer.train_dataset):
        assert tokenized["prompt_ids"] == _prompt_ids(tokenizer, source), source["id"]
    assert trainer.train().training_loss > 0


def test_the_prefix_check_catches_a_prompt_that_runs_into_its_completion(tokenizer, tmp_path):
    """The check above can fail: a prompt ending in a space merges with the completion's first word."""
    row = {"prompt": "\n\nHuman: What is 17 x 23?\n\nAssistant: ", "chosen": "the answer is 391", "rejected": "the answer is 381"}
    model = tiny_model(tokenizer)
    trainer = DPOTrainer(model=model, ref_model=copy.deepcopy(model), processing_class=tokenizer,
                         train_dataset=datasets.Dataset.from_list([row, row]),
                         args=DPOConfig(output_dir=str(tmp_path), report_to=[], use_cpu=True, max_length=None))
    assert trainer.train_dataset[0]["prompt_ids"] != _prompt_ids(tokenizer, row)


def _prompt_ids(tokenizer, row: dict) -> list[int]:
    if is_conversational(row):
        return tokenizer.apply_chat_template(row["prompt"], add_generation_prompt=True, tokenize=True, return_dict=True)["input_ids"]
    return tokenizer(row["prompt"])["input_ids"]
