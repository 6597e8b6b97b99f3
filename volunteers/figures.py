"""Volunteering's part of the yearly summary (definitions: docs/summaries.md).

Hours count when approved, in the year of the day they were given; pending and
rejected entries do not count. A shift counts when it started in the year and
someone was signed up for it (a withdrawn sign-up does not count)."""

from django.db.models import Count, Sum

from stations.periods import YearWindow
from stations.summary import FigureRows

from .models import HoursEntry, Opportunity, Shift, Signup

# Hours logged without an opportunity are counted under "other".
NO_CATEGORY = Opportunity.Category.OTHER.value


def collect(window: YearWindow, station_ids: list[int], rows: FigureRows) -> None:
    approved = HoursEntry.objects.filter(
        window.both_years_date("date"),
        station_id__in=station_ids,
        status=HoursEntry.Status.APPROVED,
    )
    this_year, last_year = window.this_year_date("date"), window.last_year_date("date")
    counts = {
        "hours_cur": Sum("hours", filter=this_year),
        "hours_prev": Sum("hours", filter=last_year),
        "people_cur": Count("volunteer_id", distinct=True, filter=this_year),
        "people_prev": Count("volunteer_id", distinct=True, filter=last_year),
    }
    for row in approved.values("station_id", "opportunity__category").annotate(**counts):
        sid, key = row["station_id"], row["opportunity__category"] or NO_CATEGORY
        cur, prev = row["hours_cur"] or 0, row["hours_prev"] or 0
        rows.add("volunteer_hours_by_category", sid, key, cur, prev)
        rows.add("volunteers_by_category", sid, key, row["people_cur"], row["people_prev"])
        rows.add("volunteer_hours", sid, "", cur, prev)
    for row in approved.values("station_id").annotate(**counts):
        rows.add("volunteers", row["station_id"], "", row["people_cur"], row["people_prev"])

    staffed = Shift.objects.filter(
        window.both_years("starts_at"),
        station_id__in=station_ids,
        signups__status=Signup.Status.ACTIVE,
    )
    for row in staffed.values("station_id").annotate(
        cur=Count("pk", distinct=True, filter=window.this_year("starts_at")),
        prev=Count("pk", distinct=True, filter=window.last_year("starts_at")),
    ):
        rows.add("shifts", row["station_id"], "", row["cur"], row["prev"])
