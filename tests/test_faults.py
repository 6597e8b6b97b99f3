"""The fault checks (scripts/faults.py, docs/faults.md) as CI runs them: a
PostgreSQL of their own stopped for 8 s under gunicorn load, a Redis of their
own stopped for 8 s with tasks queued, and a worker killed with SIGKILL in the
middle of 500 messages. The script must pass every assertion it prints."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import missing_part

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def redis_binary():
    if shutil.which("redis-server") is None:
        missing_part("redis-server is not installed; the fault checks need a real Redis")


def test_every_fault_check_passes(redis_binary):
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "faults.py"), "all"],
        cwd=ROOT,
        env=dict(os.environ),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )
    report = result.stdout + "\n" + result.stderr[-6000:]
    assert result.returncode == 0, report
    assert not re.search(r"^FAIL ", result.stdout, re.M), report
    passed = re.findall(r"^PASS (postgres|redis|worker): ", result.stdout, re.M)
    assert {"postgres", "redis", "worker"} <= set(passed), report
    summary = re.search(r"^faults: 3 checks .*, (\d+) assertions, 0 failed", result.stdout, re.M)
    assert summary and int(summary.group(1)) == len(passed) >= 14, report
