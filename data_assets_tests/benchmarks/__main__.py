"""Run every benchmark module (or those named on the command line) and keep their numbers."""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time

from data_assets import settings

import data_assets_tests.benchmarks as package


def main(argv: list[str]) -> int:
    names = argv or sorted(m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_"))
    results: dict = {}
    for name in names:
        module = importlib.import_module(f"data_assets_tests.benchmarks.{name}")
        print(f"\n=== benchmark: {name} ===", flush=True)
        started = time.perf_counter()
        results[name] = module.main()
        print(f"--- {name} took {time.perf_counter() - started:.1f}s", flush=True)
    out = settings.reports_dir() / "benchmarks.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(out.read_text()) if out.is_file() else {}
    previous.update(results)
    out.write_text(json.dumps(previous, indent=2, default=str))
    print(f"\nnumbers written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
