"""Celery entry points run inside a station's scope.

`StationTask` is the base class for every task that touches station-owned rows
(pretix's EventTask does the same for events): the caller passes `station_id`,
the task body runs inside `scope(station=[station_id])`, so a forgotten filter
raises instead of reading another station's rows.
"""

from celery import Task
from django_scopes import scope

from config.celery import app


class StationTask(Task):
    abstract = True

    def __call__(self, *args, **kwargs):
        station_id = kwargs.get("station_id")
        if station_id is None:
            raise TypeError(f"{self.name} needs a station_id keyword argument")
        with scope(station=[int(station_id)]):
            return super().__call__(*args, **kwargs)


@app.task(base=StationTask, name="stations.count_station_rows")
def count_station_rows(*, station_id: int) -> dict[str, int]:
    """Counts of a station's main rows; a cheap task that proves the worker,
    the broker and the scope work together (used by `make run`'s health line)."""
    from events.models import Event
    from residents.models import Resident

    return {"residents": Resident.objects.count(), "events": Event.objects.count()}
