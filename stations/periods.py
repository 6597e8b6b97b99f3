"""The calendar year a yearly summary covers, in Asia/Shanghai time.

Every figure of the summary is counted over one `YearWindow`: the year asked
for and the year before it, so that each figure comes with its previous-year
value from the same query (conditional aggregation)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

# Stations report on the calendar year as it is lived in China, whatever the
# server's clock says.
SUMMARY_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class YearWindow:
    year: int
    # Moments after `now` never count: a summary of the running year shows
    # what has happened so far (an event published for next month is not held).
    now: datetime

    @classmethod
    def for_year(cls, year: int, now: datetime | None = None) -> YearWindow:
        return cls(year=year, now=now or timezone.now())

    @property
    def start(self) -> datetime:
        return datetime(self.year, 1, 1, tzinfo=SUMMARY_TZ)

    @property
    def end(self) -> datetime:
        return datetime(self.year + 1, 1, 1, tzinfo=SUMMARY_TZ)

    @property
    def prev_start(self) -> datetime:
        return datetime(self.year - 1, 1, 1, tzinfo=SUMMARY_TZ)

    @property
    def start_date(self) -> date:
        return date(self.year, 1, 1)

    @property
    def end_date(self) -> date:
        return date(self.year + 1, 1, 1)

    @property
    def prev_start_date(self) -> date:
        return date(self.year - 1, 1, 1)

    def both_years(self, field: str) -> Q:
        """`field` (a moment) within the previous year or this year, up to now."""
        return Q(**{f"{field}__gte": self.prev_start, f"{field}__lt": self.end}) & Q(
            **{f"{field}__lte": self.now}
        )

    def this_year(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start})

    def last_year(self, field: str) -> Q:
        return Q(**{f"{field}__lt": self.start})

    def both_years_date(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.prev_start_date, f"{field}__lt": self.end_date})

    def this_year_date(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start_date})

    def last_year_date(self, field: str) -> Q:
        return Q(**{f"{field}__lt": self.start_date})
