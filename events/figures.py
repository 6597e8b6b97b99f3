"""Neighbour events' part of the yearly summary (definitions: docs/summaries.md).

An event is held when it is published, was not called off and has started; a participant-time is a
check-in. Cancelled registrations, waiting-list places and confirmed people
who never checked in (no-shows) do not count."""

from django.db.models import Count

from stations.periods import YearWindow
from stations.summary import FigureRows

from .models import Event, Registration


def collect(window: YearWindow, station_ids: list[int], rows: FigureRows) -> None:
    held = Event.objects.filter(
        window.both_years("starts_at"),
        station_id__in=station_ids,
        is_published=True,
        cancelled_at__isnull=True,
    )
    for row in held.values("station_id", "category_id").annotate(
        cur=Count("pk", filter=window.this_year("starts_at")),
        prev=Count("pk", filter=window.last_year("starts_at")),
    ):
        sid = row["station_id"]
        rows.add("events_by_category", sid, str(row["category_id"]), row["cur"], row["prev"])
        rows.add("events_held", sid, "", row["cur"], row["prev"])

    attended = Registration.objects.filter(
        window.both_years("event__starts_at"),
        station_id__in=station_ids,
        event__is_published=True,
        event__cancelled_at__isnull=True,
        status=Registration.Status.CONFIRMED,
        checked_in_at__isnull=False,
    )
    this_year = window.this_year("event__starts_at")
    last_year = window.last_year("event__starts_at")
    counts = {
        "cur": Count("pk", filter=this_year),
        "prev": Count("pk", filter=last_year),
        "people_cur": Count("resident_id", distinct=True, filter=this_year),
        "people_prev": Count("resident_id", distinct=True, filter=last_year),
    }
    for row in attended.values("station_id", "event__category_id").annotate(**counts):
        sid, key = row["station_id"], str(row["event__category_id"])
        rows.add("participant_times_by_category", sid, key, row["cur"], row["prev"])
        rows.add("participants_by_category", sid, key, row["people_cur"], row["people_prev"])
        rows.add("participant_times", sid, "", row["cur"], row["prev"])
    # One person at two categories' events is one participant: counted apart.
    for row in attended.values("station_id").annotate(**counts):
        rows.add("participants", row["station_id"], "", row["people_cur"], row["people_prev"])
