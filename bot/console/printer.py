"""The console's output: whole blocks of lines, printed under a lock."""

from __future__ import annotations

import threading
from typing import TextIO


class Printer:
    """Writes whole blocks of lines under a lock: the stand-in reports from its own threads."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self.blocks = 0  # how many blocks were printed; tells whether a dispatch showed anything

    def lines(self, lines: list[str], indent: int = 2) -> None:
        pad = " " * indent
        with self._lock:
            for line in lines:
                self._stream.write(f"{pad}{line}\n" if line else "\n")
            self._stream.flush()
            self.blocks += 1

    def say(self, text: str, indent: int = 2) -> None:
        self.lines(text.split("\n"), indent)

    def prompt(self, text: str) -> None:
        with self._lock:
            self._stream.write(text)
            self._stream.flush()


def indented(lines: list[str]) -> list[str]:
    return ["  " + line if line else line for line in lines]


def first_line(error: BaseException) -> str:
    """The first line of a database error's own message, for a one-line answer."""
    cause = getattr(error, "orig", None) or error
    text = str(cause).strip().splitlines()
    return text[0] if text else type(error).__name__
