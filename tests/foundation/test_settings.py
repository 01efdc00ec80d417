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


def load_settings(
    env: dict[str, str], unset: frozenset[str] = frozenset(), code: str = PRINT_SETTINGS
) -> subprocess.CompletedProcess[str]:
    """Load config.settings in a fresh process with `env` over this one's environment (minus
    the storage, secret and debug variables, and minus `unset`); run `code` there."""
    dropped = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", *unset}
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "-c", code],
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


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "from-env",
    "DATABASE_URL": "postgres://someone@db.example:5432/boards",
    "REDIS_URL": "redis://cache.example:6380/3",
}
NO_DB_TUNING = frozenset({"DB_CONN_MAX_AGE", "DB_POOL_MAX_SIZE", "DB_POOL_MIN_SIZE"})


def print_setting(expression: str) -> str:
    return (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({expression}))"
    )


def test_production_refuses_to_start_without_token_encryption_keys(tmp_path: Path) -> None:
    result = load_settings(
        {**PRODUCTION, "DATA_DIR": str(tmp_path)}, unset=frozenset({"TOKEN_ENCRYPTION_KEYS"})
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "TOKEN_ENCRYPTION_KEYS is required when DEBUG=false" in result.stderr


def test_check_deploy_fails_without_token_encryption_keys(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"TOKEN_ENCRYPTION_KEYS", "DEBUG", "SECRET_KEY"}
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env={**env, **PRODUCTION, "DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "TOKEN_ENCRYPTION_KEYS" in result.stderr


def test_a_malformed_encryption_key_is_refused_at_start_without_echoing_it(
    tmp_path: Path,
) -> None:
    result = load_settings(
        {**PRODUCTION, "DATA_DIR": str(tmp_path), "TOKEN_ENCRYPTION_KEYS": "not-a-key-but-secret"}
    )
    assert result.returncode != 0
    assert "TOKEN_ENCRYPTION_KEYS entry #1 is not a valid Fernet key" in result.stderr
    assert "not-a-key-but-secret" not in result.stderr


def test_the_demo_starts_without_encryption_keys(tmp_path: Path) -> None:
    result = load_settings(
        {"DEBUG": "true", "DATA_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:1/0"},
        unset=frozenset({"TOKEN_ENCRYPTION_KEYS"}),
    )
    assert result.returncode == 0, result.stderr


def test_postgresql_connections_come_from_a_bounded_pool_never_persistent(
    tmp_path: Path,
) -> None:
    result = load_settings(
        {**PRODUCTION, "DATA_DIR": str(tmp_path)},
        unset=NO_DB_TUNING,
        code=print_setting("settings.DATABASES['default']"),
    )
    assert result.returncode == 0, result.stderr
    database = json.loads(result.stdout)
    assert database["CONN_MAX_AGE"] == 0
    assert database["OPTIONS"]["pool"]["max_size"] == 8
    assert database["OPTIONS"]["pool"]["timeout"] < 5  # inside WxCC's 5 s for an answer


def test_a_pool_size_of_zero_means_one_connection_per_request(tmp_path: Path) -> None:
    result = load_settings(
        {**PRODUCTION, "DATA_DIR": str(tmp_path), "DB_POOL_MAX_SIZE": "0"},
        unset=NO_DB_TUNING,
        code=print_setting("settings.DATABASES['default']"),
    )
    assert result.returncode == 0, result.stderr
    database = json.loads(result.stdout)
    assert database["CONN_MAX_AGE"] == 0
    assert "pool" not in database.get("OPTIONS", {})


def test_persistent_connections_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    result = load_settings(
        {**PRODUCTION, "DATA_DIR": str(tmp_path), "DB_CONN_MAX_AGE": "60"}, unset=NO_DB_TUNING
    )
    assert result.returncode != 0
    assert "DB_CONN_MAX_AGE must be 0" in result.stderr


def test_celery_retries_the_broker_forever_but_never_blocks_a_publish_long(
    tmp_path: Path,
) -> None:
    result = load_settings(
        {**PRODUCTION, "DATA_DIR": str(tmp_path)},
        code=print_setting(
            "{'max_retries': settings.CELERY_BROKER_CONNECTION_MAX_RETRIES, "
            "'retry': settings.CELERY_BROKER_CONNECTION_RETRY, "
            "'publish': settings.CELERY_TASK_PUBLISH_RETRY_POLICY, "
            "'transport': settings.CELERY_BROKER_TRANSPORT_OPTIONS, "
            "'results': settings.CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS}"
        ),
    )
    assert result.returncode == 0, result.stderr
    celery = json.loads(result.stdout)
    assert celery["max_retries"] is None
    assert celery["retry"] is True
    assert celery["publish"]["max_retries"] <= 2
    assert celery["transport"]["socket_timeout"] > 0
    assert celery["transport"]["health_check_interval"] > 0
    assert celery["results"]["retry_policy"]["max_retries"] <= 3
