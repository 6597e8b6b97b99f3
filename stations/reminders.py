"""The yearly summary e-mailed to each region's officials (summary_delivery),
through the reminder machinery.

The hourly task `reminders.plan_periodic` writes a row for every delivery
that is due (stations.delivery.summary_delivery_due): one per region,
official and year, so the unique constraint makes a second e-mail of the same
summary impossible, and a delivery day on which nothing ran (the beat was
down) is caught up the next hour. A delivery not sent by the end of the
following year is stale: next year's takes its place.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone

from reminders.kinds import Skip, register
from reminders.models import Kind, Reminder
from reminders.services import notice_add

from .delivery import SummaryDelivery, summary_delivery_due, summary_delivery_message
from .models import Region, RegionMembership


def _year_end(year: int) -> datetime:
    return timezone.make_aware(datetime.combine(date(year + 1, 1, 1), time.min))


def plan_summary_deliveries(*, today: date | None = None) -> int:
    """Write the rows of every delivery due `today` (default: today in China
    time). Returns how many deliveries are due, written before or now."""
    today = today or timezone.localdate()
    due = summary_delivery_due(today)
    for delivery in due:
        notice_add(
            station_id=None,
            kind=Kind.SUMMARY_DELIVERY,
            target_id=delivery.region.pk,
            recipients=[f"user:{delivery.official.pk}"],
            occasion=str(delivery.year),
            # next year's delivery takes its place
            stale_at=_year_end(delivery.year + 1),
        )
    return len(due)


@register(Kind.SUMMARY_DELIVERY, switchable=False, recipients=("official",))
def build_summary_delivery(reminder: Reminder, now: datetime):
    region = Region.objects.filter(pk=reminder.target_id).first()
    if region is None:
        raise Skip(Reminder.Reason.TARGET_GONE)
    user_id = int(reminder.recipient.removeprefix("user:"))
    membership = (
        RegionMembership.objects.filter(region=region, user_id=user_id, user__is_active=True)
        .select_related("user")
        .first()
    )
    if membership is None:
        # no longer an official of the region, or the account was closed
        raise Skip(Reminder.Reason.RECIPIENT_GONE)
    return summary_delivery_message(
        SummaryDelivery(region=region, official=membership.user, year=int(reminder.occasion))
    )
