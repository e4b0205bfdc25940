"""A small progress bar for long local work, written to stderr so stdout stays clean."""

from __future__ import annotations

import time
from typing import TextIO

WIDTH = 30


class ProgressBar:
    """`advance()` for counted work, `status()` for waiting on something uncounted."""

    def __init__(self, label: str, total: int | None, out: TextIO) -> None:
        self._label = label
        self._total = total
        self._done = 0
        self._out = out
        self._started = time.monotonic()
        self._tty = out.isatty()

    def advance(self, step: int = 1) -> None:
        self._done += step
        assert self._total is not None
        filled = int(WIDTH * self._done / max(self._total, 1))
        self._draw(f"[{'#' * filled}{'.' * (WIDTH - filled)}] {self._done}/{self._total}")

    def status(self, text: str) -> None:
        self._draw(text)

    def done(self, text: str = "done") -> None:
        elapsed = time.monotonic() - self._started
        self._draw(f"{text} ({elapsed:.1f} s)", final=True)

    def _draw(self, text: str, final: bool = False) -> None:
        line = f"{self._label}: {text}"
        if self._tty:
            self._out.write("\r\033[K" + line + ("\n" if final else ""))
        elif final or self._at_milestone():
            # Without a terminal, print only milestones so logs stay readable.
            self._out.write(line + "\n")
        self._out.flush()

    def _at_milestone(self) -> bool:
        if not self._total:
            return False
        quarter = max(self._total // 4, 1)
        return self._done % quarter == 0 and self._done != self._total
