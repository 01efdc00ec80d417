"""Report cells for people (the browser and PDF): durations as m:ss and percentages as tiles
show them (`wallboard.metrics.display_s`, `display_pct`), times in the org's zone.

Tables shown to people are capped at settings.REPORTING_MAX_DETAIL_ROWS rows; the CSV always
has every row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from wallboard.metrics import NO_DATA, ContactFigures, display_pct, display_s

from .builders import CONTACT_COLUMNS, ColumnKind, ReportDocument, contact_values

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def display_timestamp(value: datetime | None, zone: ZoneInfo) -> str:
    if value is None:
        return NO_DATA
    local = value.astimezone(zone)
    return f"{local.strftime(TIMESTAMP_FORMAT)} {local.tzname()}"


def display_day(day: date) -> str:
    """A day as a heading: "Tue 10 Mar 2026"."""
    return day.strftime("%a %d %b %Y")


def display_label(label: str, kind: ColumnKind) -> str:
    """A header for people: durations show as m:ss and percentages with their sign, so the
    CSV's unit suffixes go."""
    if kind is ColumnKind.SECONDS:
        return label.removesuffix(" (s)")
    if kind is ColumnKind.PCT:
        return label.removesuffix(" %")
    return label


def display_cell(kind: ColumnKind, value: Any, zone: ZoneInfo) -> str:
    if kind is ColumnKind.SECONDS:
        return display_s(value)
    if kind is ColumnKind.PCT:
        return display_pct(value)
    if kind is ColumnKind.TIMESTAMP:
        return display_timestamp(value, zone)
    if kind is ColumnKind.COUNT:
        return f"{int(value):,}" if value is not None else NO_DATA
    return "" if value is None else str(value)


@dataclass(frozen=True)
class DisplayTable:
    headers: tuple[tuple[str, bool], ...]  # (label, is numeric)
    rows: tuple[tuple[tuple[str, bool], ...], ...]
    total_rows: int
    truncated: bool


_NUMERIC = {ColumnKind.COUNT, ColumnKind.SECONDS, ColumnKind.PCT}


def display_table(document: ReportDocument, limit: int | None = None) -> DisplayTable:
    """The first `limit` rows formatted for people, and how many rows there are in all."""
    cap = int(settings.REPORTING_MAX_DETAIL_ROWS) if limit is None else limit
    kinds = [column.kind for column in document.columns]
    numeric = [kind in _NUMERIC for kind in kinds]
    shown: list[tuple[tuple[str, bool], ...]] = []
    rows = iter(document.rows)
    for row in islice(rows, cap):
        shown.append(
            tuple(
                (display_cell(kind, value, document.zone), is_number)
                for kind, value, is_number in zip(kinds, row, numeric, strict=True)
            )
        )
    rest = sum(1 for _ in rows)
    return DisplayTable(
        headers=tuple(
            (display_label(column.label, column.kind), is_number)
            for column, is_number in zip(document.columns, numeric, strict=True)
        ),
        rows=tuple(shown),
        total_rows=len(shown) + rest,
        truncated=rest > 0,
    )


def totals_table(
    first_header: str, rows: Sequence[tuple[str, ContactFigures]], zone: ZoneInfo
) -> DisplayTable:
    """Labelled contact figures (a day's, a queue's) with the columns of the interval rows."""
    numeric = [column.kind in _NUMERIC for column in CONTACT_COLUMNS]
    return DisplayTable(
        headers=(
            (first_header, False),
            *(
                (display_label(column.label, column.kind), is_number)
                for column, is_number in zip(CONTACT_COLUMNS, numeric, strict=True)
            ),
        ),
        rows=tuple(
            (
                (label, False),
                *(
                    (display_cell(column.kind, value, zone), is_number)
                    for column, value, is_number in zip(
                        CONTACT_COLUMNS, contact_values(figures, False), numeric, strict=True
                    )
                ),
            )
            for label, figures in rows
        ),
        total_rows=len(rows),
        truncated=False,
    )
