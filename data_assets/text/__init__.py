"""Text helpers more than one stage uses: one implementation each.

- `rouge`: ROUGE-L (tokens, the longest common subsequence, the F-measure). synth's novelty filter
  and curves' response metric both score with it; it is tested against the `rouge-score` package.
"""
