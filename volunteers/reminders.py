"""The messages of volunteering, written as reminder rows (see reminders/).

- shift_reminder: before each shift (24 hours by default), to each volunteer
  signed up; moves with the shift, withdrawn with the sign-up;
- hours_reviewed: to the volunteer when staff approve or reject their hours.

volunteers.services calls these inside its transactions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.urls import reverse
from django.utils import timezone, translation

from reminders.kinds import HOURS, Skip, register
from reminders.models import Kind, Reminder
from reminders.services import notice_add, plan_before, reminders_sync, reminders_withdraw
from stations.notify import Outgoing, language_or_default, site_url

from .models import HoursEntry, Shift, Signup

ACTIVE = Signup.Status.ACTIVE


def signup_changed(signup: Signup, *, shift: Shift) -> None:
    planned = []
    if signup.status == ACTIVE:
        planned = plan_before(
            station_id=shift.station_id, kind=Kind.SHIFT_REMINDER, anchor=shift.starts_at
        )
    reminders_sync(
        station_id=signup.station_id,
        kind=Kind.SHIFT_REMINDER,
        target_id=signup.pk,
        planned=planned,
    )


def shift_changed(shift: Shift) -> None:
    """`shift` moved: its volunteers' reminders follow."""
    for signup in Signup.objects.filter(shift_id=shift.pk, station_id=shift.station_id,
                                        status=ACTIVE):
        signup_changed(signup, shift=shift)


def signups_deleted(*, station_id: int, signup_ids: Iterable[int]) -> None:
    reminders_withdraw(station_id=station_id, kinds=[Kind.SHIFT_REMINDER], target_ids=signup_ids)


def hours_reviewed(entry: HoursEntry) -> None:
    notice_add(
        station_id=entry.station_id,
        kind=Kind.HOURS_REVIEWED,
        target_id=entry.pk,
        occasion=entry.status,
    )


def replan(station_id: int) -> int:
    count = 0
    for signup in Signup.objects.filter(
        station_id=station_id, status=ACTIVE, shift__starts_at__gt=timezone.now()
    ).select_related("shift"):
        signup_changed(signup, shift=signup.shift)
        count += 1
    return count


def _my_page_url(language: str) -> str:
    base = site_url()
    if not base:
        return ""
    with translation.override(language):
        return base + reverse("residents:my_page")


@register(Kind.SHIFT_REMINDER, unit=HOURS, default_offsets=(24,), replan=replan)
def build_shift_reminder(reminder: Reminder, now: datetime) -> Outgoing:
    signup = (
        Signup.objects.filter(pk=reminder.target_id, station_id=reminder.station_id)
        .select_related("shift__opportunity", "shift__station", "volunteer__user")
        .first()
    )
    if signup is None:
        raise Skip(Reminder.Reason.TARGET_GONE)
    if signup.status != ACTIVE:
        raise Skip(Reminder.Reason.NO_LONGER_APPLIES)
    volunteer, shift = signup.volunteer, signup.shift
    language = language_or_default(volunteer.preferred_language)
    return Outgoing(
        to=volunteer.contact_email,
        template="volunteers/shift_reminder",
        context={
            "volunteer": volunteer,
            "shift": shift,
            "opportunity": shift.opportunity,
            "station": shift.station,
            "hours": reminder.data.get("hours"),
            "my_page_url": _my_page_url(language),
        },
        language=language,
    )


@register(Kind.HOURS_REVIEWED)
def build_hours_reviewed(reminder: Reminder, now: datetime) -> Outgoing:
    entry = (
        HoursEntry.objects.filter(pk=reminder.target_id, station_id=reminder.station_id)
        .select_related("opportunity", "station", "volunteer__user")
        .first()
    )
    if entry is None:
        raise Skip(Reminder.Reason.TARGET_GONE)
    if entry.status != reminder.occasion:
        raise Skip(Reminder.Reason.NO_LONGER_APPLIES)
    volunteer = entry.volunteer
    return Outgoing(
        to=volunteer.contact_email,
        template="volunteers/hours_reviewed",
        context={
            "volunteer": volunteer,
            "entry": entry,
            "approved": entry.status == HoursEntry.Status.APPROVED,
            "station": entry.station,
        },
        language=language_or_default(volunteer.preferred_language),
    )
