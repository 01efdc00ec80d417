"""What managers open: the CSV parses back to the report's numbers and opens cleanly in
Excel; the PDF holds the headings and figures, with the org, range, zone and generation time
on every page."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reporting.builders import Column, ColumnKind, ReportDocument, ReportSpec
from reporting.csv_render import (
    _count_column,
    _csv_text_column,
    _decimal_column,
    _quoted,
    _text_column,
    _timestamp_column,
    csv_chunks,
    csv_lines,
    format_timestamp,
    safe_text,
)
from reporting.models import ReportKind
from reporting.ranges import DayRange
from reporting.services import generate_report
from tests.reporting.conftest import SCENARIO_DAY, Scenario

DAY = DayRange(SCENARIO_DAY, SCENARIO_DAY)
LONDON = ZoneInfo("Europe/London")


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    assert b"\r\n" in raw
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def pdf_text(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", "-layout", *pages, str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    return int(
        next(line for line in info.stdout.splitlines() if line.startswith("Pages:")).split()[1]
    )


@pytest.mark.django_db
def test_the_queue_summary_csv_parses_back_to_the_same_numbers(
    scenario: Scenario, tmp_path: Path
) -> None:
    out = tmp_path / "summary.csv"
    generate_report(
        org=scenario.org,
        spec=ReportSpec(kind=ReportKind.QUEUE_SUMMARY, days=DAY),
        fmt="csv",
        now=scenario.now,
        output=out,
    )

    rows = {row["Queue"]: row for row in read_csv(out)}
    sales = rows["Sales"]
    assert int(sales["Offered"]) == 4
    assert int(sales["Answered"]) == 2
    assert int(sales["Abandoned"]) == 1
    assert int(sales["Short abandoned"]) == 1
    assert float(sales["Service level %"]) == pytest.approx(33.3)
    assert float(sales["ASA (s)"]) == pytest.approx(60.5)
    assert float(sales["AHT (s)"]) == pytest.approx(90.0)
    assert float(sales["Max wait (s)"]) == pytest.approx(119.0)
    assert float(rows["All queues"]["ASA (s)"]) == pytest.approx(41.0)
    # A handled contact without hold is 0; a ratio without a denominator is an empty cell.
    assert rows["Web Chat"]["Avg hold (s)"] == "0.0"
    assert rows["Web Chat"]["Max wait (s)"] == "2.0"


@pytest.mark.django_db
def test_csv_timestamps_carry_their_offset_and_durations_are_seconds(
    scenario: Scenario, tmp_path: Path
) -> None:
    out = tmp_path / "abandoned.csv"
    generate_report(
        org=scenario.org,
        spec=ReportSpec(kind=ReportKind.ABANDONED, days=DAY),
        fmt="csv",
        now=scenario.now,
        output=out,
    )

    rows = read_csv(out)
    assert sorted(float(r["Waited (s)"]) for r in rows) == [4.0, 30.0]
    arrived = datetime.fromisoformat(rows[0]["Arrived"])
    assert arrived.utcoffset() == timedelta(0)
    assert rows[0]["Arrived"].endswith("+00:00")


def test_the_repeated_hour_of_a_25_hour_day_stays_apart_in_the_csv() -> None:
    first = datetime(2026, 10, 25, 0, 0, tzinfo=UTC)  # 01:00 BST
    second = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)  # 01:00 GMT
    document = ReportDocument(
        kind=ReportKind.INTERVALS,
        title="Interval report",
        org_name="Acme",
        zone=LONDON,
        days=DayRange(date(2026, 10, 25), date(2026, 10, 25)),
        generated_at=second,
        columns=(Column("start", "Interval start", ColumnKind.TIMESTAMP),),
        rows=[(first,), (second,)],
    )
    text = b"".join(csv_chunks(document)).decode("utf-8-sig")
    assert text.splitlines()[1:] == ["2026-10-25T01:00:00+01:00", "2026-10-25T01:00:00+00:00"]


def test_timestamps_are_cut_to_the_second_on_either_side_of_a_clock_change() -> None:
    # London's clocks go forward at 01:00 UTC on 29 March 2026.
    before = datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=UTC)
    after = datetime(2026, 3, 29, 1, 0, 0, 1, tzinfo=UTC)
    document = ReportDocument(
        kind=ReportKind.ABANDONED,
        title="Abandoned contacts",
        org_name="Acme",
        zone=LONDON,
        days=DayRange(date(2026, 3, 29), date(2026, 3, 29)),
        generated_at=after,
        columns=(Column("at", "At", ColumnKind.TIMESTAMP), Column("id", "Id")),
        rows=[(before, "a"), (after, "b"), (None, "c"), (before - timedelta(microseconds=1), "d")],
    )
    text = b"".join(csv_chunks(document)).decode("utf-8-sig")
    assert text.splitlines()[1:] == [
        "2026-03-29T00:59:59+00:00,a",
        "2026-03-29T02:00:00+01:00,b",
        ",c",
        "2026-03-29T00:59:59+00:00,d",
    ]


_CELLS = st.text(alphabet=st.one_of(st.sampled_from(",\"\r\n '=;"), st.characters()), max_size=6)


@given(
    st.integers(min_value=1, max_value=4).flatmap(
        lambda width: st.lists(st.lists(_CELLS, min_size=width, max_size=width), max_size=5)
    )
)
def test_csv_lines_are_what_the_csv_module_writes(rows: list[list[str]]) -> None:
    if not rows:
        assert csv_lines([[]]) == ""
        return
    expected = io.StringIO()
    csv.writer(expected, lineterminator="\r\n").writerows(rows)
    columns = [_quoted(list(column)) for column in zip(*rows, strict=True)]
    assert csv_lines(columns) == expected.getvalue()


@given(st.lists(st.one_of(st.none(), st.integers(), _CELLS, st.sampled_from(["+1 555", "-2+3"]))))
def test_a_text_column_is_defused_cell_by_cell_however_it_is_scanned(values: list[object]) -> None:
    expected = [safe_text("" if value is None else str(value)) for value in values]
    assert _text_column(values, LONDON) == expected
    texts = [value for value in values if isinstance(value, str)]
    assert _text_column(texts, LONDON) == [safe_text(text) for text in texts]


_TEXT_VALUES = st.one_of(
    st.none(),
    st.integers(),
    _CELLS,
    st.text(alphabet='0+-( ).=@\t\r\n\0,"a', max_size=6),
    st.sampled_from(["+1 555", "-2+3", "+441632960000", "+1 (555) 010-0000\n"]),
)


@given(st.lists(_TEXT_VALUES))
def test_a_text_column_scanned_whole_is_defused_and_quoted_as_cell_by_cell(
    values: list[object],
) -> None:
    expected = _quoted(_text_column(values, LONDON))
    assert list(_csv_text_column(values, LONDON)) == expected
    texts = [value for value in values if isinstance(value, str)]
    assert list(_csv_text_column(texts, LONDON)) == _quoted(_text_column(texts, LONDON))


def test_a_column_of_phone_numbers_is_written_as_it_is() -> None:
    numbers = ("+441632960000", "-5", "+1 (555) 010-0000")
    assert _csv_text_column(numbers, LONDON) == numbers
    assert _csv_text_column((*numbers, "+cmd"), LONDON) == [*numbers, "'+cmd"]


def _moments_or_none(first_year: int, zones: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Lists of aware datetimes (and None for empty cells) up to 2200. A wall time a clock
    change skipped is no instant (astimezone keeps it as written in its own zone)."""
    moments = st.datetimes(
        min_value=datetime(first_year, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=zones,
        allow_imaginary=False,
    )
    return st.lists(st.one_of(st.none(), moments))


@given(
    _moments_or_none(
        1850,
        st.sampled_from([UTC, LONDON, ZoneInfo("Asia/Kathmandu"), ZoneInfo("America/St_Johns")]),
    ),
    st.sampled_from(
        # Whole hours, DST, 45 and 30 minutes, and offsets in seconds (local mean times).
        ["UTC", "Europe/London", "Asia/Kathmandu", "Australia/Lord_Howe", "Africa/Monrovia"]
    ),
)
def test_a_timestamp_column_is_each_timestamp_formatted_alone(
    moments: list[datetime | None], zone_name: str
) -> None:
    zone = ZoneInfo(zone_name)
    assert _timestamp_column(moments, zone) == [
        "" if moment is None else format_timestamp(moment, zone) for moment in moments
    ]


def test_timestamps_share_a_minute_only_while_the_offset_holds() -> None:
    # Monrovia kept -00:44:30 until 1972; London's clocks went forward at 01:00 UTC.
    monrovia = ZoneInfo("Africa/Monrovia")
    early = [datetime(1960, 5, 1, 12, 0, second, tzinfo=UTC) for second in (0, 1, 59)]
    assert _timestamp_column(early, monrovia) == [
        "1960-05-01T11:15:30-00:44:30",
        "1960-05-01T11:15:31-00:44:30",
        "1960-05-01T11:16:29-00:44:30",
    ]
    around = [datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC), datetime(2026, 3, 29, 1, tzinfo=UTC)]
    assert _timestamp_column(around, LONDON) == [
        "2026-03-29T00:59:59+00:00",
        "2026-03-29T02:00:00+01:00",
    ]


def test_a_lone_empty_cell_is_written_as_two_quotes_as_the_csv_module_does() -> None:
    assert csv_lines([["", "a"]]) == '""\r\na\r\n'
    assert csv_lines([["", "a"], ["", ""]]) == ",\r\na,\r\n"


@given(
    st.lists(st.one_of(st.none(), st.floats())),
    st.lists(st.one_of(st.none(), st.integers())),
    _moments_or_none(1900, st.just(UTC)),
)
def test_numbers_and_timestamps_never_need_quotes(
    decimals: list[float | None], counts: list[int | None], moments: list[datetime | None]
) -> None:
    cells = (
        _decimal_column(decimals, LONDON)
        + _count_column(counts, LONDON)
        + _timestamp_column(moments, LONDON)
    )
    assert not [cell for cell in cells if set(cell) & set(',"\r\n')]


def test_text_excel_would_run_as_a_formula_is_defused_but_phone_numbers_are_kept() -> None:
    assert safe_text('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert safe_text("@SUM(A1)") == "'@SUM(A1)"
    assert safe_text("-2+3") == "'-2+3"
    assert safe_text("+1 (555) 010-0000") == "+1 (555) 010-0000"
    assert safe_text("+cmd|' /C calc'!A0") == "'+cmd|' /C calc'!A0"
    assert safe_text("Grace Loh") == "Grace Loh"


@pytest.mark.django_db
def test_the_pdf_holds_the_headings_and_figures(scenario: Scenario, tmp_path: Path) -> None:
    out = tmp_path / "summary.pdf"
    generate_report(
        org=scenario.org,
        spec=ReportSpec(kind=ReportKind.QUEUE_SUMMARY, days=DAY),
        fmt="pdf",
        now=scenario.now,
        output=out,
    )

    text = pdf_text(out)
    for heading in ("Queue summary", "Offered", "Answered", "Abandoned", "Short", "ASA", "AHT"):
        assert heading in text
    assert "Acme Contact Center" in text
    assert "2026-03-10" in text
    assert "UTC" in text
    sales = next(line for line in text.splitlines() if line.strip().startswith("Sales"))
    # offered, answered, abandoned, short, SL, ASA (m:ss), AHT, max wait
    assert sales.split()[1:9] == ["4", "2", "1", "1", "33", "%", "1:00", "1:30"]
    assert "1:59" in sales  # max wait 119 s


@pytest.mark.django_db
def test_every_pdf_page_names_the_org_range_zone_and_generation_time(
    scenario: Scenario, tmp_path: Path
) -> None:
    out = tmp_path / "intervals.pdf"
    generate_report(
        org=scenario.org,
        spec=ReportSpec(kind=ReportKind.INTERVALS, days=DAY, interval_minutes=15),
        fmt="pdf",
        now=scenario.now,
        output=out,
    )

    pages = pdf_pages(out)
    assert pages > 2  # 96 intervals x 3 rows break across pages
    generated = scenario.now.strftime("%Y-%m-%d %H:%M")
    for page in range(1, pages + 1):
        text = pdf_text(out, page)
        assert "Acme Contact Center" in text
        assert "2026-03-10 · UTC" in text
        assert f"Generated {generated}" in text
        assert f"Page {page} of {pages}" in text
        # The table's header row repeats on every page it continues on.
        if page > 1:
            assert "Interval start" in text
    # The chart is vector: its labels are text in the PDF, not pixels.
    assert "Service level %" in pdf_text(out, 1)


@pytest.mark.django_db
def test_a_long_interval_pdf_totals_days_and_queues_and_leaves_each_interval_to_the_csv(
    scenario: Scenario, tmp_path: Path, settings: Any
) -> None:
    settings.REPORTING_PDF_MAX_INTERVAL_ROWS = 100  # two days of 2 queues: 96 x 3 rows
    spec = ReportSpec(
        kind=ReportKind.INTERVALS, days=DayRange(SCENARIO_DAY - timedelta(days=1), SCENARIO_DAY)
    )
    pdf, csv_file = tmp_path / "intervals.pdf", tmp_path / "intervals.csv"
    for fmt, out in (("pdf", pdf), ("csv", csv_file)):
        generate_report(org=scenario.org, spec=spec, fmt=fmt, now=scenario.now, output=out)

    text = pdf_text(pdf)
    assert "Full interval detail (288 rows:" in " ".join(text.split())
    assert "Interval start" not in text

    def figures(label: str) -> list[str]:
        """The figures of the table row labelled `label` (a day's heading has none)."""
        rows = [line.split() for line in text.splitlines() if line.strip().startswith(label)]
        return next(row[len(label.split()) :] for row in rows if len(row) > len(label.split()))

    # offered, answered, abandoned, short, SL, ASA (m:ss), AHT, max wait
    tuesday = ["5", "3", "1", "1", "50", "%", "0:41", "2:07", "1:59"]
    assert figures("Tue 10 Mar 2026") == tuesday
    assert figures("Mon 09 Mar 2026") == ["0", "0", "0", "0", "—", "—", "—", "—"]
    assert figures("All days") == tuesday
    assert figures("All queues") == tuesday
    assert figures("Sales") == ["4", "2", "1", "1", "33", "%", "1:00", "1:30", "1:59"]
    # Each day's page gives its totals beside its chart.
    assert "Offered 5 · Answered 3 · Abandoned 1 · Short abandoned 1" in " ".join(text.split())

    # The PDF's totals are the CSV's intervals added up.
    center = [row for row in read_csv(csv_file) if row["Queue"] == "All queues"]
    assert len(center) == 96
    counts = ("Offered", "Answered", "Abandoned", "Short abandoned")
    assert [sum(int(row[column]) for row in center) for column in counts] == [
        int(figure) for figure in tuesday[:4]
    ]
