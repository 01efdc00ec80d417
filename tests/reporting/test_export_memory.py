"""A million-row CSV export streams from PostgreSQL in constant memory: the `report` command,
run as its own process, stays under 300 MB of peak resident memory."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from reporting.models import DayFetch
from tests.fixtures.factories import OrganizationFactory

ROWS = 1_000_000
PEAK_RSS_LIMIT_MB = 300
DAY = date(2026, 1, 15)


def _database_url() -> str:
    db = connection.settings_dict
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(600)
def test_a_million_row_csv_export_stays_under_300_mb(tmp_path: Path) -> None:
    org = OrganizationFactory.create(timezone="UTC", webex_org_id=None)
    start = datetime(2026, 1, 15, tzinfo=UTC)
    fetch = DayFetch.objects.create(
        organization=org, day=DAY, zone="UTC", started_at=start, finished_at=start, final=True
    )
    with connection.cursor() as cursor:
        # A million one-second state spans of 500 agents, written by PostgreSQL itself.
        cursor.execute(
            """
            INSERT INTO reporting_reportstatespan
                (fetch_id, agent_id, agent_name, team_id, team_name, session_id, state,
                 wxcc_state, idle_code, start, "end")
            SELECT %s, 'agent-' || (n %% 500), 'Agent ' || (n %% 500), 'team', 'Team',
                   'session-' || (n %% 500),
                   (ARRAY['available', 'connected', 'wrapup', 'idle'])[1 + n %% 4],
                   'available', CASE WHEN n %% 4 = 3 THEN 'Break' ELSE '' END,
                   %s + make_interval(secs => n / 500.0),
                   %s + make_interval(secs => n / 500.0 + 1)
            FROM generate_series(0, %s - 1) AS n
            """,
            [fetch.pk, start, start, ROWS],
        )
    out = tmp_path / "states.csv"
    env = {**os.environ, "DATABASE_URL": _database_url(), "REPORTING_DIR": str(tmp_path)}
    command = [
        sys.executable,
        "manage.py",
        "report",
        "agent-states",
        "--from",
        DAY.isoformat(),
        "--to",
        DAY.isoformat(),
        "--format",
        "csv",
        "--output",
        str(out),
        "--org",
        str(org.pk),
    ]
    # A small launcher runs the command and reports its peak: measured from this (large)
    # test process, a forked child would count our own pages until it execs.
    launcher = (
        "import resource, subprocess, sys; "
        "code = subprocess.run(sys.argv[1:]).returncode; "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
        "sys.exit(code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", launcher, *command],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    stdout = result.stdout
    peak_mb = int(result.stderr.strip().splitlines()[-1]) / 1024  # Linux reports kilobytes
    print(f"\n1M-row CSV export: peak RSS {peak_mb:.0f} MB, {out.stat().st_size / 1e6:.0f} MB file")
    with out.open("rb") as handle:
        lines = sum(1 for _ in handle)
    assert lines == ROWS + 1  # and the header
    assert "Wrote" in stdout
    assert peak_mb < PEAK_RSS_LIMIT_MB
