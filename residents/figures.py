"""Residents' part of the yearly summary (definitions: docs/summaries.md).

A resident counts from `registered_at` on; a profile erased from the portal no
longer counts in any year. Each query groups by station in PostgreSQL, so the
number of queries does not depend on the number of stations."""

from django.db.models import Count, Q

from stations.periods import YearWindow
from stations.summary import FigureRows

from .models import Resident


def collect(window: YearWindow, station_ids: list[int], rows: FigureRows) -> None:
    base = Resident.objects.filter(
        station_id__in=station_ids, registered_at__lt=window.end, registered_at__lte=window.now
    )
    at_end = {
        "cur": Count("pk"),
        "prev": Count("pk", filter=window.last_year("registered_at")),
    }
    new = {
        "new_cur": Count("pk", filter=window.this_year("registered_at")),
        "new_prev": Count(
            "pk", filter=Q(registered_at__gte=window.prev_start) & window.last_year("registered_at")
        ),
    }
    for row in base.values("station_id", "nationality").annotate(**at_end, **new):
        sid = row["station_id"]
        rows.add("residents_by_nationality", sid, row["nationality"], row["cur"], row["prev"])
        rows.add("residents_total", sid, "", row["cur"], row["prev"])
        rows.add("residents_new", sid, "", row["new_cur"], row["new_prev"])
    for row in base.values("station_id", "category").annotate(**at_end):
        rows.add(
            "residents_by_category", row["station_id"], row["category"], row["cur"], row["prev"]
        )
