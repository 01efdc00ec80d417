"""Settings come from the environment; with no REDIS_URL an embedded Redis is started."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[2]

PRINT_SETTINGS = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'db': settings.DATABASES['default']['ENGINE'], "
    "'db_name': str(settings.DATABASES['default']['NAME']), 'redis': settings.REDIS_URL, "
    "'embedded': settings.REDIS_EMBEDDED, 'debug': settings.DEBUG, "
    "'poll': settings.WXCC_POLL_INTERVAL_S, 'hosts': settings.ALLOWED_HOSTS}))"
)


def load_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    unset = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG"}
    base = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_settings_are_read_from_environment_variables(tmp_path: Path) -> None:
    result = load_settings(
        {
            "DEBUG": "false",
            "SECRET_KEY": "from-env",
            "DATABASE_URL": "postgres://someone@db.example:5432/boards",
            "REDIS_URL": "redis://cache.example:6380/3",
            "WXCC_POLL_INTERVAL_S": "4.5",
            "ALLOWED_HOSTS": "boards.example.com,tv.example.com",
            "DATA_DIR": str(tmp_path),
        }
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["db"] == "django.db.backends.postgresql"
    assert loaded["db_name"] == "boards"
    assert loaded["redis"] == "redis://cache.example:6380/3"
    assert loaded["embedded"] is False
    assert loaded["debug"] is False
    assert loaded["poll"] == 4.5
    assert loaded["hosts"] == ["boards.example.com", "tv.example.com"]


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = load_settings(
        {"DEBUG": "false", "REDIS_URL": "redis://127.0.0.1:1/0", "DATA_DIR": str(tmp_path)}
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_without_urls_the_demo_default_is_sqlite_and_an_embedded_redis(tmp_path: Path) -> None:
    result = load_settings({"DEBUG": "true", "DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    try:
        assert loaded["db"] == "django.db.backends.sqlite3"
        assert loaded["db_name"] == str(tmp_path / "db.sqlite3")
        assert loaded["embedded"] is True
        assert redis.Redis.from_url(loaded["redis"]).ping() is True
        # A second process reuses the running server instead of starting another.
        again = json.loads(load_settings({"DEBUG": "true", "DATA_DIR": str(tmp_path)}).stdout)
        assert again["redis"] == loaded["redis"]
    finally:
        from config.embedded_redis import stop_embedded_redis

        stop_embedded_redis(tmp_path)
