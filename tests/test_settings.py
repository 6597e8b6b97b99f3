"""The settings module: production refuses to start without a secret key, and
the project's migrations match its models."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def run_settings(env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env.update(env_overrides)
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/unused")
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DEBUG, bool(settings.SECRET_KEY))",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_settings({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_starts_with_a_secret_key():
    result = run_settings(
        {
            "DEBUG": "0",
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "portal.example",
            # encryption at rest needs its keys too (tests/test_encryption.py)
            "FIELD_ENCRYPTION_KEYS": "B" * 43 + "=",
            "FIELD_HASH_KEY": "h" * 32,
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False True"


def test_debug_uses_a_development_key():
    result = run_settings({"DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True True"


def test_settings_refuse_to_start_without_a_database_url():
    result = run_settings({"DEBUG": "1", "DATABASE_URL": ""})
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr


@pytest.mark.django_db
def test_migrations_match_the_models():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:  # --check exits non-zero when a migration is missing
        pytest.fail(f"models and migrations disagree:\n{out.getvalue()}")


def test_json_logs_are_one_object_per_line():
    import json
    import logging

    from config.logging import JsonFormatter

    record = logging.LogRecord("portal.test", logging.WARNING, __file__, 1, "disk %s full",
                               ("/var",), None)
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert (entry["level"], entry["logger"], entry["message"]) == (
        "WARNING", "portal.test", "disk /var full"
    )
    assert "\n" not in line
