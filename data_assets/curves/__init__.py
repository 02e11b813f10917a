"""The curves stage: how much data is needed, and which data helps.

`run.run_curves` trains every registered `trainers.Trainer` on nested subsets of each data
variant, measures the trivial `baselines` the same way, `fit.fit_curve` fits
error(n) = a * n^-b + c with bootstrap intervals, `informative.judge` says whether the curve beats
its baselines (and grows with n) beyond that noise, `report` draws and words the answer;
`assets.py` only wires this into Dagster. SFT responses are scored by `metrics`.
"""
