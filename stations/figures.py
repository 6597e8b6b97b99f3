"""Partners' part of the yearly summary (definitions: docs/summaries.md).

A partner counts in a year when its agreement was signed by the year's end.
A partner without a recorded agreement date cannot be placed in time and is
counted in every year; it never counts as an agreement signed."""

from django.db.models import Count, Q

from .models import Partner
from .periods import YearWindow
from .summary import FigureRows


def collect(window: YearWindow, station_ids: list[int], rows: FigureRows) -> None:
    undated = Q(agreement_date__isnull=True)
    signed_this_year = Q(agreement_date__gte=window.start_date, agreement_date__lt=window.end_date)
    signed_last_year = Q(
        agreement_date__gte=window.prev_start_date, agreement_date__lt=window.start_date
    )
    for row in (
        Partner.objects.filter(station_id__in=station_ids)
        .values("station_id", "kind")
        .annotate(
            cur=Count("pk", filter=undated | Q(agreement_date__lt=window.end_date)),
            prev=Count("pk", filter=undated | Q(agreement_date__lt=window.start_date)),
            signed_cur=Count("pk", filter=signed_this_year),
            signed_prev=Count("pk", filter=signed_last_year),
        )
    ):
        sid = row["station_id"]
        rows.add("partners_by_kind", sid, row["kind"], row["cur"], row["prev"])
        rows.add("partners", sid, "", row["cur"], row["prev"])
        rows.add("agreements_signed", sid, "", row["signed_cur"], row["signed_prev"])
