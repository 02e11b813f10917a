"""Progress lines for long-running assets, so a person watching a run sees it move."""

from __future__ import annotations

import logging
import time


class Progress:
    """Logs `done/total`, rate and time left at every `step` share of the work (10% by default)."""

    def __init__(self, log: logging.Logger | None, total: int, label: str, step: float = 0.1) -> None:
        self.log = log
        self.total = max(int(total), 0)
        self.label = label
        self.done = 0
        self.started = time.monotonic()
        self._every = max(1, int(self.total * step)) if self.total else 1
        self._next = self._every

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self.log is None or self.total == 0:
            return
        if self.done >= self._next or self.done >= self.total:
            while self._next <= self.done:
                self._next += self._every
            elapsed = time.monotonic() - self.started
            rate = self.done / elapsed if elapsed > 0 else float("inf")
            left = (self.total - self.done) / rate if rate and rate != float("inf") else 0.0
            self.log.info(
                f"{self.label}: {self.done}/{self.total} ({100 * self.done / self.total:.0f}%), "
                f"{rate:.1f}/s, about {left:.0f}s left"
            )
