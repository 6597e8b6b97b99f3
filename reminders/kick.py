"""Asking the worker to send now, without ever waiting on the broker.

A web request that wrote a message due at once (a registration's
confirmation) asks, after its transaction commits, for the send task to run
now. The request only sets a flag; a background thread of the process
publishes the task. So a request never waits on Redis: when Redis is down or
unreachable, the publish fails in that thread, is logged, and the beat's
next run (every REMINDER_TICK_SECONDS) finds the row in PostgreSQL once the
broker is back. Many requests at once make one publish, not one each.
"""

from __future__ import annotations

import logging
import os
import threading

from django.conf import settings

logger = logging.getLogger(__name__)

_wanted = threading.Event()
_lock = threading.Lock()
_thread: threading.Thread | None = None
_thread_pid: int | None = None


def send_soon() -> None:
    """Ask for due messages to be sent now. Never blocks."""
    if not settings.REMINDERS_SEND_SOON:
        return
    _ensure_thread()
    _wanted.set()


def _ensure_thread() -> None:
    global _thread, _thread_pid
    pid = os.getpid()
    if _thread is not None and _thread_pid == pid and _thread.is_alive():
        return
    with _lock:
        # a forked web process (gunicorn) does not inherit the parent's thread
        if _thread is None or _thread_pid != pid or not _thread.is_alive():
            _thread = threading.Thread(target=_publish_forever, name="reminders-send-soon",
                                       daemon=True)
            _thread_pid = pid
            _thread.start()


def _publish_forever() -> None:
    from .tasks import send_due_task

    while True:
        _wanted.wait()
        _wanted.clear()
        try:
            send_due_task.apply_async(retry=False, expires=settings.REMINDER_TICK_SECONDS)
        except Exception as exc:  # noqa: BLE001 - the beat catches up; log and go on
            logger.warning("could not ask the worker to send now (the beat will): %s", exc)
