"""Real parts for the reminder tests: an SMTP server, Redis servers and
Celery worker processes.

- `SmtpSink`: a real SMTP server (aiosmtpd) on 127.0.0.1 in a thread of the
  test process. It records every message it accepts and can answer a
  recipient with a refusal (4xx or 5xx), slow every message down, hold
  every new message at MAIL FROM after a number of accepted ones (to freeze
  workers in the middle of a batch), or call `on_data` with each message
  just before accepting it.
- `RedisServer`: a `redis-server` process of our own on a free port, which a
  test may stop and start again without touching the machine's Redis.
- `Worker`: `celery -A config worker` (optionally with `--beat`) in its own
  process group, against the test database, a RedisServer and the SmtpSink.
"""

from __future__ import annotations

import asyncio
import email
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from email import policy
from pathlib import Path
from urllib.parse import quote

from aiosmtpd.controller import Controller
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class _Handler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        sink = self.sink
        with sink.lock:
            # decided under the lock: exactly `hold_after` messages get through
            hold = sink.hold_after is not None and sink.admitted >= sink.hold_after
            if hold:
                sink.held += 1
            else:
                sink.admitted += 1
        while hold and not sink.released.is_set():
            await asyncio.sleep(0.02)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        answer = self.sink.answers.get(address.lower())
        if answer:
            with self.sink.lock:
                self.sink.refused.append((address, answer))
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        if self.sink.on_data is not None:
            # called with the whole message received, before the server's 250
            self.sink.on_data(message)
        with self.sink.lock:
            self.sink.messages.append(message)
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refused: list[tuple[str, str]] = []
        self.answers: dict[str, str] = {}
        self.delay = 0.0
        self.hold_after: int | None = None
        self.on_data = None
        self.admitted = 0
        self.held = 0
        self.released = threading.Event()
        self.lock = threading.Lock()
        self.port = free_port()
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self._controller.stop()

    def accepted_count(self) -> int:
        with self.lock:
            return len(self.messages)

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]) for m in self.messages]

    def to(self, address: str) -> list[email.message.EmailMessage]:
        with self.lock:
            return [m for m in self.messages if str(m["To"]).lower() == address.lower()]


class RedisServer:
    def __init__(self, workdir: Path, *, persistent: bool = False):
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.workdir = workdir
        # with the append-only file, as docker-compose.yml runs Redis: what was
        # queued survives a stop and start (SIGTERM writes it out)
        self.persistent = persistent
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes" if self.persistent else "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10, what="redis-server to answer")
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def test_database_url() -> str:
    """The URL of the database the test runs against (pytest-django's test
    database), for processes started by the test."""
    s = connection.settings_dict
    host = s.get("HOST") or ""
    host = quote(host, safe="") if host.startswith("/") else host
    port = f":{s['PORT']}" if s.get("PORT") else ""
    user = quote(s.get("USER") or "postgres", safe="")
    return f"postgres://{user}@{host}{port}/{s['NAME']}"


def process_env(*, broker_url: str, smtp_port: int, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="1",
        DATABASE_URL=test_database_url(),
        REDIS_URL=broker_url,
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        EMAIL_TIMEOUT="30",
        SITE_URL="http://portal.test",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class Worker:
    """One Celery worker process (and its pool children) in its own process
    group, logging to a file."""

    def __init__(self, name: str, env: dict[str, str], logdir: Path, *, concurrency: int = 1,
                 beat: bool = False):
        self.name = name
        self.log = logdir / f"{name}.log"
        args = [CELERY, "-A", "config", "worker", "-n", f"{name}@%h", "--concurrency",
                str(concurrency), "--loglevel", "INFO", "--without-mingle", "--without-gossip",
                "--pool", "prefork"]
        if beat:
            args += ["--beat", "--schedule", str(logdir / f"{name}-beat-schedule")]
        self._args, self._env = args, env
        self.process: subprocess.Popen | None = None

    def start(self, *, wait: bool = True) -> Worker:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            self._args, cwd=ROOT, env=self._env, stdout=handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if wait:
            wait_for(self.is_ready, timeout=60, what=f"worker {self.name} to be ready")
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def is_ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"worker {self.name} exited:\n{self.output()[-3000:]}")
        return " ready." in self.output()

    def sent_counts(self) -> list[int]:
        """What each send_due run of this worker reported as sent."""
        return [int(n) for n in re.findall(r"succeeded in [\d.]+s: \{'sent': (\d+)", self.output())]

    def kill(self) -> None:
        """SIGKILL to the whole process group: the worker and its children die
        at once, as with a lost machine."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


def publish_send_due(broker_url: str, times: int = 1) -> None:
    """Put `times` runs of the send task on the broker at `broker_url`."""
    from config.celery import app

    with app.connection_for_write(broker_url) as conn:
        for _ in range(times):
            app.send_task("reminders.send_due", connection=conn)
