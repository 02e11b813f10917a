"""The synth stage: Self-Instruct pairs grown toward the curated set's coverage gaps.

- `loop`: the Self-Instruct loop (sample examples, ask for a batch steered to a gap, filter, repeat).
- `prompts`: the generation and judge requests and their reply models (`JudgeVerdict`).
- `filters`: the rule filters a generated task passes, each with its reason (`FilterOutcome`).
- `rouge`: the novelty index over earlier instructions (the score itself: `data_assets.text.rouge`).
- `families` / `offline`: tasks whose answers are computed, so a pair is verified by recomputing it.
- `verification`: how a pair was verified, in words that say what the check is worth.
- `report`: what the asset reports (its Dagster metadata), from the loop's outcome.

The buckets a generator is steered toward are the task taxonomy's (`data_assets.text.taxonomy`);
the guards generated text passes are `data_assets.common.guards`.
"""
