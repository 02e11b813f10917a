"""The publish stage: the dataset card beside the exports and the report page, rebuilt every run.

- `facts`: what both say, read from the warehouse and the export files (no record text).
- `card`: README.md in the Hugging Face dataset card format.
- `plots`, `html_report`: the self-contained HTML report with its plots inline.
"""
