"""schemathesis against docs/openapi.yaml: every JSON endpoint, fed what the description
allows and more, answers with a documented status and body, never a 500."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.fixtures.wallboard_factories import BoardFactory, ScreenFactory

SCHEMA = schemathesis.openapi.from_path(
    str(Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml")
)


@pytest.fixture
def api_base(live_asgi: str, settings: Any) -> str:
    settings.WXCC_WEBHOOK_RATE_LIMIT_PER_MIN = 0  # one fuzzing address, many requests
    ScreenFactory.create(board=BoardFactory.create(slug="fuzz-api"))
    return live_asgi


@pytest.mark.django_db(transaction=True)
@SCHEMA.parametrize()
@hsettings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_json_endpoint_answers_as_documented(case: Any, api_base: str) -> None:
    # A schema-valid webhook is still refused when unsigned (the signature is not a schema
    # matter), so "positive data is accepted" does not apply; every other check does.
    case.call_and_validate(base_url=api_base, excluded_checks=[positive_data_acceptance])
