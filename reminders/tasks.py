"""Celery tasks of the reminders.

- `reminders.send_due` (every REMINDER_TICK_SECONDS by beat, and on request
  after a commit): send what is due (reminders/dispatch.py). City-wide: it
  reads every station's due rows and opens each row's station scope to build
  its message, so it is not a StationTask.
- `reminders.plan_periodic` (hourly by beat): write the rows no change of a
  row calls for, because the calendar does: the yearly summaries due to
  officials.
"""

from __future__ import annotations

from django_scopes import scopes_disabled

from config.celery import app

from . import dispatch


@app.task(name="reminders.send_due", ignore_result=True)
def send_due_task() -> dict:
    return dispatch.send_due().as_dict()


@app.task(name="reminders.plan_periodic", ignore_result=True)
def plan_periodic_task() -> int:
    from stations.reminders import plan_summary_deliveries

    with scopes_disabled():
        return plan_summary_deliveries()
