"""Reading CSV files: encodings, delimiters, headers, line numbers, and whole-file problems."""

from __future__ import annotations

import codecs

import pytest

from bot.importer.csv_reading import FileProblem, column_key, read_rows, sniff

REQUIRED = ("user", "metric", "date", "amount")


def write(tmp_path, content: bytes, name: str = "file.csv"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def rows(path, **kw):
    shape = sniff(path, REQUIRED, ("note",), **kw)
    return shape, list(read_rows(shape))


def test_utf8_without_and_with_a_byte_order_mark(tmp_path):
    text = "user,metric,date,amount,note\nJosé,calls,2026-11-02,3,café\n"
    plain, found = rows(write(tmp_path, text.encode()))
    assert plain.encoding_label == "UTF-8"
    assert found == [(2, ["José", "calls", "2026-11-02", "3", "café"])]
    bom, found = rows(write(tmp_path, codecs.BOM_UTF8 + text.encode(), "bom.csv"))
    assert bom.encoding_label == "UTF-8 with BOM"
    assert bom.columns == ("user", "metric", "date", "amount", "note")
    assert found == [(2, ["José", "calls", "2026-11-02", "3", "café"])]


def test_latin1_and_windows_1252_files_are_detected_and_decoded(tmp_path):
    text = "user,metric,date,amount,note\nJosé Müller,revenue,2026-11-02,100,“renewal” €\n"
    shape, found = rows(write(tmp_path, text.encode("cp1252")))
    assert shape.encoding_label == "Windows-1252 (Latin-1)"
    assert found[0][1][0] == "José Müller" and found[0][1][4] == "“renewal” €"
    # A byte Windows-1252 leaves undefined means the file is plain Latin-1.
    shape, found = rows(
        write(
            tmp_path,
            "user,metric,date,amount\nJosé,calls,2026-11-02,1\n".encode("latin-1") + b"\x81\n",
            "l1.csv",
        )
    )
    assert shape.encoding_label == "Latin-1" and found[0][1][0] == "José"


def test_utf16_with_a_byte_order_mark_works_and_without_one_is_refused(tmp_path):
    text = "user,metric,date,amount\nAnn,calls,2026-11-02,1\n"
    shape, found = rows(write(tmp_path, text.encode("utf-16")))
    assert shape.encoding_label == "UTF-16" and found == [(2, ["Ann", "calls", "2026-11-02", "1"])]
    with pytest.raises(FileProblem, match="UTF-16 without a byte-order mark"):
        sniff(write(tmp_path, text.encode("utf-16-le"), "le.csv"), REQUIRED)


def test_a_given_encoding_wins_and_a_wrong_one_is_named(tmp_path):
    path = write(tmp_path, "user,metric,date,amount\nJosé,calls,2026-11-02,1\n".encode("cp1252"))
    with pytest.raises(FileProblem, match="is not utf-8"):
        list(read_rows(sniff(path, REQUIRED, encoding="utf-8")))
    with pytest.raises(FileProblem, match='Unknown encoding "klingon"'):
        sniff(path, REQUIRED, encoding="klingon")


def test_empty_files_and_missing_columns_are_refused(tmp_path):
    with pytest.raises(FileProblem, match="empty.csv is empty"):
        sniff(write(tmp_path, b"", "empty.csv"), REQUIRED)
    with pytest.raises(FileProblem, match="has no header line"):
        sniff(write(tmp_path, b"\n\n", "blank.csv"), REQUIRED)
    with pytest.raises(FileProblem) as caught:
        sniff(
            write(tmp_path, b"user,metric,day\nAnn,calls,2026-11-02\n", "cols.csv"),
            REQUIRED,
            ("note",),
        )
    assert caught.value.message == (
        "Missing columns date, amount in cols.csv. The header has: user, metric, day. "
        "Expected: user, metric, date, amount, [note]."
    )
    with pytest.raises(FileProblem, match="names user more than once"):
        sniff(write(tmp_path, b"user,metric,date,amount,User\n", "twice.csv"), REQUIRED)


def test_a_header_only_file_has_no_rows(tmp_path):
    assert rows(write(tmp_path, b"user,metric,date,amount\n"))[1] == []


def test_headers_match_loosely_and_columns_may_come_in_any_order(tmp_path):
    assert column_key(" Close Date ") == column_key("close-date") == "close_date"
    shape, found = rows(write(tmp_path, b"Amount;DATE;Metric;User\n3;2026-11-02;calls;Ann\n"))
    assert shape.delimiter == ";"
    assert found == [(2, ["3", "2026-11-02", "calls", "Ann"])]
    assert shape.index("user") == 3 and shape.index("note") is None


def test_line_numbers_count_physical_lines_blank_ones_and_quoted_newlines(tmp_path):
    content = b'user,metric,date,amount,note\n\nAnn,calls,2026-11-02,1,"two\nlines"\nBo,calls,2026-11-02,2\n'
    _, found = rows(write(tmp_path, content))
    assert [(line, cells[0], cells[4]) for line, cells in found] == [
        (3, "Ann", "two\nlines"),
        (5, "Bo", ""),
    ]


def test_a_row_wider_than_the_header_is_refused_with_its_line(tmp_path):
    content = b"user,metric,date,amount\nAnn,calls,2026-11-02,1\nBo,revenue,2026-11-02,4,500\n"
    with pytest.raises(FileProblem, match="line 3 has 5 fields but the header has 4"):
        rows(write(tmp_path, content))
    # Trailing empty fields (a spreadsheet's stray commas) are fine.
    assert rows(write(tmp_path, b"user,metric,date,amount\nAnn,calls,2026-11-02,1,,\n", "ok.csv"))[
        1
    ] == [(2, ["Ann", "calls", "2026-11-02", "1"])]


def test_progress_is_reported_in_bytes_and_rows(tmp_path):
    body = "".join(f"rep{i},calls,2026-11-02,1\n" for i in range(4_500))
    path = write(tmp_path, ("user,metric,date,amount\n" + body).encode())
    seen = []
    shape = sniff(path, REQUIRED)
    assert len(list(read_rows(shape, lambda done, count: seen.append((done, count))))) == 4_500
    assert [count for _, count in seen] == [2_000, 4_000, 4_500]
    assert seen[-1][0] == path.stat().st_size
