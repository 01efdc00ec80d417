"""`manage.py report <kind> --from --to --format --output [--org]`."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.fixtures.factories import OrganizationFactory
from tests.reporting.conftest import Scenario


@pytest.mark.django_db
def test_the_command_writes_the_report_of_the_org_s_local_days(
    scenario: Scenario, tmp_path: Path
) -> None:
    out = tmp_path / "agents.pdf"

    call_command(
        "report", "agents", "--from", "2026-03-10", "--to", "2026-03-10",
        "--format", "pdf", "--output", str(out),
    )  # fmt: skip

    assert out.read_bytes().startswith(b"%PDF")
    csv_out = tmp_path / "intervals.csv"
    call_command(
        "report", "intervals", "--from", "2026-03-10", "--to", "2026-03-10", "--format", "csv",
        "--output", str(csv_out), "--org", str(scenario.org.pk), "--interval", "60",
    )  # fmt: skip
    lines = csv_out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("Interval start,Queue,Offered")
    assert sum(1 for line in lines if ",All queues," in line) == 24


@pytest.mark.django_db
def test_the_command_refuses_bad_input_with_a_reason(scenario: Scenario, tmp_path: Path) -> None:
    out = str(tmp_path / "x.csv")
    with pytest.raises(CommandError, match="not a date"):
        call_command(
            "report", "agents", "--from", "10/03/2026", "--to", "2026-03-10", "--output", out
        )
    with pytest.raises(CommandError, match="ends before it starts"):
        call_command(
            "report", "agents", "--from", "2026-03-10", "--to", "2026-03-09", "--output", out
        )
    with pytest.raises(CommandError, match="no organization"):
        call_command(
            "report", "agents", "--from", "2026-03-10", "--to", "2026-03-10", "--output", out,
            "--org", "999999",
        )  # fmt: skip
    OrganizationFactory.create()
    with pytest.raises(CommandError, match="choose an organization with --org"):
        call_command(
            "report", "agents", "--from", "2026-03-10", "--to", "2026-03-10", "--output", out
        )
    assert not Path(out).exists()
