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
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .builders import ColumnKind, ReportDocument

BOM = "\ufeff"
CHUNK_BYTES = 64 * 1024
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9][0-9 ().-]*$")


class _Buffer:
    """A write target for csv.writer that keeps what was written until taken."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> int:
        self.parts.append(text)
        self.size += len(text)
        return len(text)

    def take(self) -> bytes:
        data = "".join(self.parts).encode("utf-8")
        self.parts.clear()
        self.size = 0
        return data


def safe_text(value: str) -> str:
    if value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def format_seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def format_pct(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def format_timestamp(value: datetime | None, zone: ZoneInfo) -> str:
    return "" if value is None else value.astimezone(zone).isoformat(timespec="seconds")


def format_cell(kind: ColumnKind, value: Any, zone: ZoneInfo) -> str:
    if kind is ColumnKind.SECONDS:
        return format_seconds(value)
    if kind is ColumnKind.PCT:
        return format_pct(value)
    if kind is ColumnKind.TIMESTAMP:
        return format_timestamp(value, zone)
    if kind is ColumnKind.COUNT:
        return "" if value is None else str(int(value))
    return safe_text("" if value is None else str(value))


def csv_chunks(document: ReportDocument) -> Iterator[bytes]:
    """The report as CSV bytes, in chunks of about CHUNK_BYTES."""
    buffer = _Buffer()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([column.label for column in document.columns])
    kinds = [column.kind for column in document.columns]
    zone = document.zone
    for row in document.rows:
        writer.writerow(
            [format_cell(kind, value, zone) for kind, value in zip(kinds, row, strict=True)]
        )
        if buffer.size >= CHUNK_BYTES:
            yield buffer.take()
    yield buffer.take()
