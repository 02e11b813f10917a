"""Runs that recover by themselves: a run whose process died (SIGKILL, OOM, a closed laptop) is
found, marked failed and its `duckdb` pool slots freed by the next run, and a step waiting for a
slot says who holds it. `recovery.py` holds the checks, `executor.py` the executor that runs them."""
