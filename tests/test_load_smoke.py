"""The short load test (scripts/loadtest.py --smoke, docs/load.md) against this
test run's PostgreSQL server, in a database of its own: gunicorn with DEBUG
off, a real Celery worker and beat, residents browsing, then 200 residents
rushing for the 50 places of one event. It must end with no failed request
and with exactly 50 confirmed registrations, 150 on the waiting list, nobody
twice and every message sent once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def locust_importable() -> bool:
    """In a process of its own: importing locust patches the standard library
    for gevent, which this test process must not have."""
    probe = subprocess.run([sys.executable, "-c", "import locust"], capture_output=True)
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(
    not locust_importable(), reason="locust cannot be imported (pip install -e '.[test]')"
)


def test_load_smoke_holds_the_capacity_without_errors():
    env = dict(os.environ)
    # Redis database 6: not the one of `make load` (5) nor of the worker tests (15)
    result = subprocess.run(
        [
            sys.executable, str(ROOT / "scripts" / "loadtest.py"), "--smoke",
            "--database", "portal_load_smoke_test", "--redis-db", "6",
        ],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = result.stdout + "\n" + result.stderr[-4000:]
    assert result.returncode == 0, report
    assert "capacity check: OK: 50 confirmed for a capacity of 50, 150 on the waiting list, " \
        "200 residents once each, 200 messages once each, 200 sent" in result.stdout, report
    browse = re.search(r"^browse: ([\d.]+) req/s, .* errors (\d+) ", result.stdout, re.M)
    rush = re.search(r"^rush: (\d+) registrations in", result.stdout, re.M)
    assert browse and float(browse.group(1)) > 0 and browse.group(2) == "0", report
    assert rush and rush.group(1) == "200", report
