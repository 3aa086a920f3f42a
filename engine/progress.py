"""A progress bar for runs that take more than a few seconds.

Stages report as they start; a background ticker draws the bar on standard error only once the
run has taken ``delay`` seconds, and only on a terminal, so short runs and logs stay clean.
"""

from __future__ import annotations

import sys
import threading
import time

STAGES = ("load", "check", "overlaps", "price", "settle", "account", "write")


class StageProgress:
    stage: str | None  # None until the first stage reports

    def __init__(self, stages=STAGES, delay: float = 2.0, stream=None, force: bool = False):
        self.stages, self.delay = list(stages), delay
        self.stream = stream or sys.stderr
        self.enabled = force or getattr(self.stream, "isatty", lambda: False)()
        self.stage, self.started, self.drawn = None, time.monotonic(), False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, daemon=True) if self.enabled else None

    def __enter__(self) -> "StageProgress":
        if self._thread:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def __call__(self, stage: str) -> None:
        self.stage = stage

    def line(self) -> str:
        done = self.stages.index(self.stage) if self.stage in self.stages else 0
        width = 24
        filled = round(width * done / len(self.stages))
        elapsed = time.monotonic() - self.started
        return f"[{'#' * filled}{'.' * (width - filled)}] {done + 1}/{len(self.stages)} {self.stage} {elapsed:5.1f}s"

    def _tick(self) -> None:
        while not self._stop.wait(0.25):
            if self.stage and time.monotonic() - self.started >= self.delay:
                self.stream.write("\r\033[K" + self.line())
                self.stream.flush()
                self.drawn = True
