"""Yearly delivery of the summary to the officials of each region.

Each region has a delivery day (10 January unless set otherwise). On and after
that day, the previous year's summary is due to every official of the region,
in the official's language, as a PDF and an XLSX attachment.

`summary_delivery_due(today)` answers which deliveries are due; the reminder
machinery turns each into a reminder row (stations/reminders.py: unique per
region, year and official, so a missed day catches up and nothing is sent
twice), and sends `summary_delivery_message` for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Q

from .exporters import export_summary
from .models import Region, RegionMembership
from .notify import Attachment, Outgoing, site_url
from .summary import scope_for_region

ATTACHED_FORMATS = ("pdf", "xlsx")


@dataclass(frozen=True)
class SummaryDelivery:
    region: Region
    official: object  # accounts.User
    year: int

    @property
    def language(self) -> str:
        codes = {code for code, _name in settings.LANGUAGES}
        preferred = getattr(self.official, "preferred_language", "")
        return preferred if preferred in codes else settings.LANGUAGE_CODE


def summary_delivery_due(today: date) -> list[SummaryDelivery]:
    """Every (region, official) whose delivery day this year is `today` or
    earlier, for the previous year. Inactive accounts receive nothing."""
    on_or_before = Q(region__summary_delivery_month__lt=today.month) | Q(
        region__summary_delivery_month=today.month, region__summary_delivery_day__lte=today.day
    )
    memberships = (
        RegionMembership.objects.filter(on_or_before, user__is_active=True)
        .select_related("region", "user")
        .order_by("region__code", "user__email")
    )
    return [SummaryDelivery(m.region, m.user, today.year - 1) for m in memberships]


def summary_delivery_message(delivery: SummaryDelivery) -> Outgoing:
    """The e-mail of one delivery: the summary rendered in the official's
    language, as a PDF and an XLSX attachment."""
    scope = scope_for_region(delivery.region)
    files = [
        export_summary(scope=scope, year=delivery.year, fmt=fmt, language=delivery.language)
        for fmt in ATTACHED_FORMATS
    ]
    return Outgoing(
        to=delivery.official.email,
        template="summaries/yearly_summary",
        context={
            "region": delivery.region,
            "year": delivery.year,
            "official": delivery.official,
            "site_url": site_url(),
        },
        language=delivery.language,
        attachments=[Attachment(f.filename, f.content, f.mimetype) for f in files],
    )
