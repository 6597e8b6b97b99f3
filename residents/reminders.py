"""The reminder of an identity document about to expire (document_expiry):
30 and 7 days before the expiry date by default, at 09:00 China time, to the
resident. A document already within 30 days of expiring when it is entered
is reminded at once (and again at 7 days). Each is about the expiry date it
was planned for: a renewed
document (a new date) moves the pending reminders to the new date, and a
reminder already sent for the old date is not sent again. A beat that was down
sends the closest one only (the 30-day one is stale once the 7-day one is
due), and none once the document has expired.

residents.services calls `document_changed` inside its transactions.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from reminders.kinds import DAYS, Skip, register
from reminders.models import Kind, Reminder
from reminders.services import plan_before, policy_get, reminders_add_new, reminders_sync
from stations.notify import Outgoing, language_or_default

from .models import Resident


def _expired_after(expires) -> datetime:
    """The first moment the document is no longer valid: the day after."""
    return timezone.make_aware(datetime.combine(expires + timedelta(days=1), time.min))


def document_changed(resident: Resident) -> None:
    planned = []
    if resident.document_expires is not None:
        planned = plan_before(
            station_id=resident.station_id,
            kind=Kind.DOCUMENT_EXPIRY,
            anchor=resident.document_expires,
            stale_at=_expired_after(resident.document_expires),
        )
    reminders_sync(
        station_id=resident.station_id,
        kind=Kind.DOCUMENT_EXPIRY,
        target_id=resident.pk,
        planned=planned,
        catch_up=True,
    )


def replan(station_id: int) -> int:
    count = 0
    for resident in Resident.objects.filter(
        station_id=station_id, document_expires__gte=timezone.localdate()
    ):
        document_changed(resident)
        count += 1
    return count


def plan_document_reminders(*, created: list[Resident], changed: list[Resident]) -> None:
    """What `document_changed` plans, for residents written in bulk (the
    spreadsheet import). A changed expiry goes through `document_changed`:
    pending rows may have to move. A new resident has no rows yet, so its
    plans are added with `reminders_add_new`, computed once per station and
    expiry date. tests/imports/test_residents_import.py compares the two ways."""
    for resident in changed:
        document_changed(resident)
    # plan_before reads the station's setting for every date; when it holds
    # the default times (most stations), plan with the defaults (no query)
    default = policy_get(station_id=None, kind=Kind.DOCUMENT_EXPIRY).offsets
    planning_station = {
        station_id: None
        if policy_get(station_id=station_id, kind=Kind.DOCUMENT_EXPIRY).offsets == default
        else station_id
        for station_id in {r.station_id for r in created}
    }
    plans: dict[tuple, list] = {}
    targets = []
    for resident in created:
        key = (resident.station_id, resident.document_expires)
        if key not in plans:
            plans[key] = plan_before(
                station_id=planning_station[resident.station_id],
                kind=Kind.DOCUMENT_EXPIRY,
                anchor=resident.document_expires,
                stale_at=_expired_after(resident.document_expires),
            )
        targets.append((resident.station_id, resident.pk, plans[key]))
    reminders_add_new(kind=Kind.DOCUMENT_EXPIRY, targets=targets, catch_up=True)


@register(Kind.DOCUMENT_EXPIRY, unit=DAYS, default_offsets=(30, 7), replan=replan)
def build_document_expiry(reminder: Reminder, now: datetime) -> Outgoing:
    resident = (
        Resident.objects.filter(pk=reminder.target_id, station_id=reminder.station_id)
        .select_related("station", "user")
        .first()
    )
    if resident is None:
        raise Skip(Reminder.Reason.RECIPIENT_GONE)
    expires = resident.document_expires
    if expires is None or reminder.occasion.split("@", 1)[-1] != expires.isoformat():
        raise Skip(Reminder.Reason.NO_LONGER_APPLIES)
    return Outgoing(
        to=resident.contact_email,
        template="residents/document_expiry",
        context={
            "resident": resident,
            "station": resident.station,
            "expires": expires,
            "days_left": (expires - timezone.localdate(now)).days,
        },
        language=language_or_default(resident.preferred_language),
    )
