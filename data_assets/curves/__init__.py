"""The curves stage: how much data is needed, and which data helps.

`run.run_curves` trains every registered `trainers.Trainer` on nested subsets of each data
variant, `fit.fit_curve` fits error(n) = a * n^-b + c with bootstrap intervals, `report` draws
and words the answer; `assets.py` only wires this into Dagster.
"""
