"""Reading a CSV file as a stream: its encoding, delimiter, header and line numbers.

Nothing here holds more than one row at a time, so a file of any size reads in the same
memory. A problem with the file as a whole (empty, undecodable, a missing column, a broken
quote) is a `FileProblem`: the import stops before storing anything.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 1 << 20
# Bytes Windows-1252 leaves undefined: a file holding one is not Windows-1252, so it is read
# as Latin-1, which maps every byte to a character.
_CP1252_HOLES = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_DELIMITERS = (",", ";", "\t")
# Report the read position every this many rows: cheap, and often enough for a progress bar.
PROGRESS_EVERY_ROWS = 2_000


class FileProblem(Exception):
    """The file cannot be imported at all; the message says why and how to fix it."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class CsvShape:
    """What the first look at a file found: how to decode and split it, and its columns."""

    path: Path
    encoding: str  # a Python codec name
    encoding_label: str  # how the report names it
    delimiter: str
    columns: tuple[str, ...]  # normalised header names, in file order
    size: int

    def index(self, column: str) -> int | None:
        try:
            return self.columns.index(column)
        except ValueError:
            return None


def column_key(header: str) -> str:
    """`Close Date`, ` close-date ` and `close_date` are the same column."""
    text = unicodedata.normalize("NFKC", header).replace("\ufeff", "").strip().casefold()
    return "_".join(text.replace("-", " ").split())


def sniff(
    path: Path, required: Sequence[str], optional: Sequence[str] = (), encoding: str | None = None
) -> CsvShape:
    """Look at the file: encoding (unless given), delimiter, and that every required column is
    there. Raises FileProblem."""
    if not path.is_file():
        raise FileProblem(f"{path} does not exist or is not a file.")
    size = path.stat().st_size
    if size == 0:
        raise FileProblem(
            f"{path.name} is empty: expected a header line with {', '.join(required)}."
        )
    codec, label = (encoding, encoding) if encoding else _sniff_encoding(path)
    try:
        codecs.lookup(codec)
    except LookupError:
        raise FileProblem(
            f'Unknown encoding "{codec}": use e.g. utf-8, cp1252 or latin-1.'
        ) from None
    with path.open("r", encoding=codec, errors="strict", newline="") as text:
        try:
            header_line = text.readline()
        except UnicodeDecodeError as error:
            raise FileProblem(
                f"{path.name} is not {label}: {error.reason} at byte {error.start}."
            ) from None
    if not header_line.strip().replace("\ufeff", ""):
        raise FileProblem(f"{path.name} has no header line: expected {', '.join(required)}.")
    delimiter = max(_DELIMITERS, key=header_line.count)
    if header_line.count(delimiter) == 0:
        delimiter = ","
    try:
        header = next(csv.reader([header_line], delimiter=delimiter))
    except csv.Error as error:
        raise FileProblem(f"line 1 (the header) cannot be read: {error}.") from None
    columns = tuple(column_key(h) for h in header)
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    if repeated:
        raise FileProblem(f"The header names {', '.join(repeated)} more than once.")
    missing = [c for c in required if c not in columns]
    if missing:
        expected = ", ".join(list(required) + [f"[{c}]" for c in optional])
        found = ", ".join(h.strip() for h in header) or "nothing"
        plural = "s" if len(missing) > 1 else ""
        raise FileProblem(
            f"Missing column{plural} {', '.join(missing)} in {path.name}. "
            f"The header has: {found}. Expected: {expected}."
        )
    return CsvShape(path, codec, label, delimiter, columns, size)


def read_rows(
    shape: CsvShape, on_progress: Callable[[int, int], None] | None = None
) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for every non-blank row after the header, padded with "" to the
    header's width. `on_progress(bytes read, rows so far)` is called now and then.
    Raises FileProblem for a row wider than the header or a broken quote."""
    width = len(shape.columns)
    with shape.path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=shape.encoding, errors="strict", newline="")
        reader = csv.reader(text, delimiter=shape.delimiter)
        line = 1
        rows = 0
        try:
            next(reader)  # the header, already checked by sniff()
            line = reader.line_num
            for cells in reader:
                start, line = line + 1, reader.line_num
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue
                if len(cells) > width:
                    if any(c.strip() for c in cells[width:]):
                        raise FileProblem(
                            f"line {start} has {len(cells)} fields but the header has {width}: "
                            "is a value with a comma missing its quotes?"
                        )
                    cells = cells[:width]
                elif len(cells) < width:
                    cells = cells + [""] * (width - len(cells))
                rows += 1
                if on_progress is not None and rows % PROGRESS_EVERY_ROWS == 0:
                    on_progress(raw.tell(), rows)
                yield start, cells
        except csv.Error as error:
            raise FileProblem(f"line {line + 1} cannot be read as CSV: {error}.") from None
        except UnicodeDecodeError as error:
            raise FileProblem(
                f"{shape.path.name} is not {shape.encoding_label} near line {line + 1}: {error.reason}."
            ) from None
        if on_progress is not None:
            on_progress(shape.size, rows)


def _sniff_encoding(path: Path) -> tuple[str, str]:
    """UTF-8 (with or without a byte-order mark) when the bytes are valid UTF-8; UTF-16 with
    a byte-order mark; otherwise Windows-1252 (what Excel on Windows writes for "CSV"), or
    Latin-1 when the file has a byte Windows-1252 does not define."""
    with path.open("rb") as f:
        head = f.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig", "UTF-8 with BOM"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16", "UTF-16"
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        is_utf8 = True
        has_holes = False
        while chunk := f.read(_CHUNK):
            if b"\x00" in chunk:
                raise FileProblem(
                    f"{path.name} holds NUL bytes: it is UTF-16 without a byte-order mark or not a "
                    "text file. Save it as CSV UTF-8."
                )
            if is_utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
            has_holes = has_holes or any(b in chunk for b in _CP1252_HOLES)
        if is_utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                is_utf8 = False
    if is_utf8:
        return "utf-8", "UTF-8"
    return ("latin-1", "Latin-1") if has_holes else ("cp1252", "Windows-1252 (Latin-1)")
