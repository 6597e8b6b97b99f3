"""Celery tasks of residents: the daily retention run (residents/erasure.py)."""

from django_scopes import scopes_disabled

from config.celery import app

from .erasure import retention_apply


@app.task(name="residents.apply_retention", ignore_result=True)
def apply_retention_task() -> dict:
    """Every station's retention period, applied; city-wide, each station in
    its own scope."""
    from stations.models import Station

    totals = {"anonymised": 0, "notes_removed": 0}
    with scopes_disabled():
        stations = list(Station.objects.all())
    for station in stations:
        for key, count in retention_apply(station=station).items():
            totals[key] += count
    return totals
