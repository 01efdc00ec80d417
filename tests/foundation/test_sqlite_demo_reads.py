"""The demo runs on SQLite: the board's reads must work there as on PostgreSQL. The push and
the TV page read task times with a PostgreSQL cast; on SQLite that was a syntax error, and
the demo's TV answered 503 "database unavailable"."""

from __future__ import annotations

import json
import os

from tests.foundation.test_settings import load_settings

READ_ON_SQLITE = """
import json
import django
django.setup()
from datetime import UTC, datetime
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from django.db import connection
from tests.fixtures.factories import OrganizationFactory
from tests.fixtures.wxcc_factories import QueueFactory, TaskFactory
from wallboard.selectors import contacts_since
from wxcc.models import TaskStatus

org = OrganizationFactory.create()
queue = QueueFactory.create(organization=org)
arrived = datetime(2026, 3, 10, 9, 0, 1, 123456, tzinfo=UTC)
TaskFactory.create(organization=org, queue=queue, status=TaskStatus.QUEUED,
                   created_at=arrived.replace(microsecond=0), queued_at=arrived)
(contact,) = contacts_since(org_id=org.pk, since=datetime(2026, 3, 10, tzinfo=UTC)).contacts()
print(json.dumps({"vendor": connection.vendor, "arrived_at": contact.arrived_at.isoformat(),
                  "created_at": contact.created_at.isoformat(), "answered_at": contact.answered_at,
                  "waiting": contact.is_waiting}))
"""


def test_contacts_read_on_sqlite_with_exact_times(tmp_path: object) -> None:
    result = load_settings(
        {"DEBUG": "true", "DATA_DIR": str(tmp_path), "REDIS_URL": os.environ["REDIS_URL"]},
        code=READ_ON_SQLITE,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    read = json.loads(result.stdout.strip().splitlines()[-1])
    assert read == {
        "vendor": "sqlite",
        "arrived_at": "2026-03-10T09:00:01.123456+00:00",
        "created_at": "2026-03-10T09:00:01+00:00",
        "answered_at": None,
        "waiting": True,
    }
