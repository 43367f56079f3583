"""A progress bar on stderr for long imports: shown on a terminal or with --progress, quiet
in scripts and logs, redrawn at most a few times a second."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

WIDTH = 30
# Files smaller than this finish before a bar is worth drawing (the CRM file is 0.6 MB).
LONG_FILE_BYTES = 2_000_000
_REDRAW_SECONDS = 0.2


class ProgressBar:
    def __init__(
        self,
        stream: TextIO,
        total_bytes: int,
        label: str,
        enabled: bool,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._total = max(total_bytes, 1)
        self._label = label
        self._enabled = enabled
        self._clock = clock
        self._started = clock()
        self._drawn_at = -_REDRAW_SECONDS
        self._drew = False

    @classmethod
    def for_file(cls, stream: TextIO, total_bytes: int, label: str, forced: bool) -> ProgressBar:
        """Forced (--progress) always; otherwise on a terminal, for a long file."""
        on_terminal = bool(getattr(stream, "isatty", lambda: False)())
        return cls(
            stream, total_bytes, label, forced or (on_terminal and total_bytes >= LONG_FILE_BYTES)
        )

    def update(self, done_bytes: int, rows: int) -> None:
        if not self._enabled:
            return
        now = self._clock()
        if now - self._drawn_at < _REDRAW_SECONDS and done_bytes < self._total:
            return
        self._drawn_at = now
        share = min(done_bytes / self._total, 1.0)
        filled = int(share * WIDTH)
        elapsed = max(now - self._started, 1e-9)
        rate = rows / elapsed
        self._stream.write(
            f"\r{self._label} [{'#' * filled}{'.' * (WIDTH - filled)}] {share:4.0%} "
            f"{rows:,} rows · {rate:,.0f} rows/s"
        )
        self._stream.flush()
        self._drew = True

    def finish(self) -> None:
        if self._drew:
            self._stream.write("\n")
            self._stream.flush()
