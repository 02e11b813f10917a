"""Text helpers more than one stage uses: one implementation each.

- `taxonomy`: the task taxonomy, the one answer to "where is the task taxonomy?": the buckets a
  record falls into (domain, task type, style, length, language) by explainable rules; augment
  fills the thin ones, synth steers generation toward them, and curves' diverse-versus-narrow
  comparison uses its `coarse_task_type`. (profile's `verb` statistic is the raw first verb, not a
  taxonomy.)
- `rouge`: ROUGE-L (tokens, the longest common subsequence, the F-measure). synth's novelty filter
  and curves' response metric both score with it; it is tested against the `rouge-score` package.
"""
