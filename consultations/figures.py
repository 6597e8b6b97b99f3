"""One-to-one consultations' part of the yearly summary (docs/summaries.md).

Only completed consultations count, in the year they started. Booked
consultations that were never recorded as held, cancelled ones and no-shows do
not count. Hours are the booked length (end minus start) of completed
consultations."""

from decimal import Decimal

from django.db.models import Count, DurationField, ExpressionWrapper, F, Sum

from stations.periods import YearWindow
from stations.summary import FigureRows

from .models import Consultation, Topic

LENGTH = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())


def _hours(duration) -> Decimal:
    if not duration:
        return Decimal("0.00")
    return (Decimal(duration.total_seconds()) / Decimal(3600)).quantize(Decimal("0.01"))


def collect(window: YearWindow, station_ids: list[int], rows: FigureRows) -> None:
    flags = {
        str(pk): (epidemic, sensitive)
        for pk, epidemic, sensitive in Topic.objects.values_list(
            "pk", "is_epidemic_related", "is_sensitive"
        )
    }
    done = Consultation.objects.filter(
        window.both_years("starts_at"),
        station_id__in=station_ids,
        status=Consultation.Status.COMPLETED,
    )
    this_year, last_year = window.this_year("starts_at"), window.last_year("starts_at")
    counts = {
        "cur": Count("pk", filter=this_year),
        "prev": Count("pk", filter=last_year),
        "people_cur": Count("resident_id", distinct=True, filter=this_year),
        "people_prev": Count("resident_id", distinct=True, filter=last_year),
    }
    for row in done.values("station_id", "topic_id").annotate(
        **counts,
        length_cur=Sum(LENGTH, filter=this_year),
        length_prev=Sum(LENGTH, filter=last_year),
    ):
        sid, key = row["station_id"], str(row["topic_id"])
        rows.add("consultations_by_topic", sid, key, row["cur"], row["prev"])
        rows.add("people_by_topic", sid, key, row["people_cur"], row["people_prev"])
        rows.add("consultations", sid, "", row["cur"], row["prev"])
        epidemic, sensitive = flags.get(key, (False, False))
        if epidemic:
            rows.add("consultations_epidemic", sid, "", row["cur"], row["prev"])
        if sensitive:
            rows.add(
                "sensitive_hours",
                sid,
                "",
                _hours(row["length_cur"]),
                _hours(row["length_prev"]),
            )
    for row in done.values("station_id", "channel").annotate(**counts):
        sid, key = row["station_id"], row["channel"]
        rows.add("consultations_by_channel", sid, key, row["cur"], row["prev"])
        rows.add("people_by_channel", sid, key, row["people_cur"], row["people_prev"])
    # A person helped on two sensitive topics is one person: counted apart.
    for row in done.filter(topic__is_sensitive=True).values("station_id").annotate(**counts):
        rows.add("sensitive_people", row["station_id"], "", row["people_cur"], row["people_prev"])
