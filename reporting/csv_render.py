"""CSV for spreadsheets: streamed in constant memory, and opening cleanly in Excel.

- UTF-8 with a byte-order mark (Excel reads BOM-less UTF-8 as the local code page) and CRLF
  line ends (RFC 4180), one header row.
- Durations in seconds with one decimal, percentages with one decimal, counts as integers;
  "no data" (a ratio with a zero denominator) is an empty cell, never 0.
- Timestamps ISO 8601 with their offset in the org's zone (`2026-03-29T01:30:00+01:00`), so
  the repeated hour of a 25-hour day stays unambiguous.
- Text that Excel would run as a formula (starting with =, +, -, @, tab or CR) is prefixed
  with an apostrophe, unless it is a plain number such as a phone number "+441632960000".
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from .builders import ColumnKind, ReportDocument, Row

BOM = "\ufeff"
CHUNK_BYTES = 64 * 1024
# Rows formatted and written together, a column at a time: one Python call per column of a
# batch instead of one per cell.
BATCH_ROWS = 1000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9][0-9 ().-]*$")
_NEEDS_QUOTES = re.compile('[",\r\n]').search
_STARTS_LIKE_FORMULA = re.compile("^[=+@\t\r-]", re.MULTILINE).search
# A column's cells each on a line of its own: a cell that starts like a formula and is not a
# plain number (the two rules above, for cells without line breaks).
_DEFUSABLE_CELL = re.compile("\n(?=[=+@\t\r-])(?![+-]?[0-9][0-9 ().-]*(?:\n|$))").search
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MINUTE = timedelta(minutes=1)
_LAST_OF_MINUTE = _MINUTE - timedelta(microseconds=1)
_TWO_DIGITS = [f"{n:02d}" for n in range(60)]

ColumnFormatter = Callable[[Sequence[Any], ZoneInfo], Sequence[str]]


def safe_text(value: str) -> str:
    if value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def format_timestamp(value: datetime | None, zone: ZoneInfo) -> str:
    return "" if value is None else value.astimezone(zone).isoformat(timespec="seconds")


def _text_column(values: Sequence[Any], zone: ZoneInfo) -> list[str]:
    # Most columns need no defusing at all: one scan of the whole column tells (a cell with a
    # line break inside may send it the slow way for nothing, never the other way round).
    try:
        joined = "\n".join(values)
    except TypeError:  # not all text: None or numbers among them
        joined = None
    if joined is not None and not _STARTS_LIKE_FORMULA(joined):
        return list(values)
    return [
        value
        if value.__class__ is str and not value.startswith(_FORMULA_START)
        else safe_text("" if value is None else str(value))
        for value in values
    ]


def _quoted(cells: list[str]) -> list[str]:
    """A column of cells quoted as the csv module quotes them (excel dialect, minimal): a
    cell holding a comma, a double quote or a line break in double quotes, its own quotes
    doubled."""
    if not _NEEDS_QUOTES("\0".join(cells)):  # one scan of the column: usually none does
        return cells
    return ['"' + cell.replace('"', '""') + '"' if _NEEDS_QUOTES(cell) else cell for cell in cells]


def _csv_text_column(values: Sequence[Any], zone: ZoneInfo) -> Sequence[str]:
    """A text column's cells as the CSV holds them: defused, then quoted (`_quoted` of
    `_text_column`). Usually no cell needs either, which a few scans of the whole column
    joined tell (searching for one character is far cheaper than a regex's class); then the
    values are the cells."""
    try:
        joined = "\n" + "\n".join(values)
    except TypeError:  # not all text: None or numbers among them
        joined = ""
    if (
        joined.count("\n") == len(values)  # no line break within a cell: a line each
        and "," not in joined
        and '"' not in joined
        and "\r" not in joined
        and not _DEFUSABLE_CELL(joined)
    ):
        return values
    return _quoted(_text_column(values, zone))


def _decimal_column(values: Sequence[Any], zone: ZoneInfo) -> list[str]:
    """Seconds and percentages: one decimal; no data is an empty cell."""
    return ["" if value is None else f"{value:.1f}" for value in values]


def _count_column(values: Sequence[Any], zone: ZoneInfo) -> list[str]:
    return ["" if value is None else str(int(value)) for value in values]


def _minute_parts(minute: int, zone: ZoneInfo) -> tuple[str, str] | None:
    """What every cell of one UTC minute (counted from the epoch) shares in `zone`: the text
    before its seconds and the offset after them. None when the zone's offset changes within
    the minute, or is not whole minutes (local seconds would not be UTC's)."""
    start = _EPOCH + timedelta(minutes=minute)
    offset = start.astimezone(zone).utcoffset()
    if offset is None or offset % _MINUTE:
        return None
    if (start + _LAST_OF_MINUTE).astimezone(zone).utcoffset() != offset:
        return None
    cell = format_timestamp(start, zone)  # YYYY-MM-DDTHH:MM:SS+HH:MM
    return cell[:17], cell[19:]


def _timestamp_column(values: Sequence[Any], zone: ZoneInfo) -> list[str]:
    # Cells show whole seconds: all of one minute share their text but for the seconds (when
    # the zone's offset holds through the minute), so each minute of a batch is converted to
    # the zone once, and a second's cell is that text around its two digits. A large list's
    # rows share seconds too (a day of a million tasks has a dozen a second): each second's
    # cell is made once, found again by its number.
    cells: dict[int, str] = {}
    minutes: dict[int, tuple[str, str] | None] = {}
    column: list[str] = []
    append = column.append
    for value in values:
        if value is None:
            append("")
            continue
        since_epoch = value - _EPOCH
        second = since_epoch.days * 86_400 + since_epoch.seconds
        cell = cells.get(second)
        if cell is None:
            minute, second_of_minute = divmod(second, 60)
            if minute in minutes:
                parts = minutes[minute]
            else:
                parts = minutes[minute] = _minute_parts(minute, zone)
            if parts is None:
                cell = format_timestamp(value, zone)
            else:
                cell = parts[0] + _TWO_DIGITS[second_of_minute] + parts[1]
            cells[second] = cell
        append(cell)
    return column


_COLUMN_FORMATTERS: dict[ColumnKind, ColumnFormatter] = {
    ColumnKind.TEXT: _csv_text_column,
    ColumnKind.COUNT: _count_column,
    ColumnKind.SECONDS: _decimal_column,
    ColumnKind.PCT: _decimal_column,
    ColumnKind.TIMESTAMP: _timestamp_column,
}


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _take(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data


def csv_lines(columns: Sequence[Sequence[str]]) -> str:
    """CSV cells, a sequence per column, as CSV lines ending in CRLF: byte for byte what
    csv.writer(lineterminator="\r\n").writerows makes of the rows, the cells being quoted
    already (`_quoted`; numbers and timestamps never need it)."""
    if len(columns) == 1:
        # A row of one empty cell is written "" (an empty line would read as no row).
        columns = [[cell or '""' for cell in columns[0]]]
    lines = list(map(",".join, zip(*columns, strict=True)))
    return "\r\n".join(lines) + "\r\n" if lines else ""


def csv_chunks(document: ReportDocument) -> Iterator[bytes]:
    """The report as CSV bytes, in chunks of about CHUNK_BYTES (or a batch of rows, when
    that is more)."""
    buffer = io.StringIO()
    buffer.write(BOM)
    csv.writer(buffer, lineterminator="\r\n").writerow(
        [column.label for column in document.columns]
    )
    formatters = [_COLUMN_FORMATTERS[column.kind] for column in document.columns]
    zone = document.zone
    for batch in _batches(document.rows, BATCH_ROWS):
        columns = zip(*batch, strict=True)
        cells = [fmt(values, zone) for fmt, values in zip(formatters, columns, strict=True)]
        buffer.write(csv_lines(cells))
        if buffer.tell() >= CHUNK_BYTES:
            yield _take(buffer)
    yield _take(buffer)
