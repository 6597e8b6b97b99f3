"""The signed self-service link of a booked consultation.

Every message about a consultation carries a link to its booking page, which
works without logging in: the person sees when and where, adds it to their
calendar, and can cancel. The link holds the consultation's id signed with the
site's key (`django.core.signing`, a salt of its own), so an id changed by
hand, or a value signed for another purpose, is refused before the database
is asked. It is valid until `VALID_AFTER_END` after the consultation's current
end, so a moved booking keeps its link.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core import signing
from django.urls import reverse
from django.utils import timezone, translation

from stations.ical import Entry, vcalendar

from .models import Consultation

SALT = "consultations.booking.self-service"
VALID_AFTER_END = timedelta(days=7)


class LinkInvalid(Exception):
    """The link was changed, cut short or signed for something else."""


def link_code(consultation: Consultation) -> str:
    return signing.Signer(salt=SALT).sign(f"c{consultation.pk}")


def consultation_id_from_code(code: str) -> int:
    """The consultation id a link's code holds; LinkInvalid otherwise."""
    try:
        value = signing.Signer(salt=SALT).unsign(code)
    except signing.BadSignature as exc:
        raise LinkInvalid from exc
    if not value.startswith("c") or not value[1:].isdigit():
        raise LinkInvalid
    return int(value[1:])


def link_expired(consultation: Consultation, *, now: datetime | None = None) -> bool:
    return (now or timezone.now()) >= consultation.ends_at + VALID_AFTER_END


def booking_path(consultation: Consultation, *, language: str) -> str:
    """The booking page's path in `language`."""
    with translation.override(language):
        return reverse("consultations:booking", args=[link_code(consultation)])


def calendar_file(consultation: Consultation, *, uid_host: str, url: str = "") -> str:
    """A VCALENDAR with the consultation, in the active language; a cancelled
    one is marked so, for calendar programs to remove it. The topic stays out
    of the file (calendars are often shared); the message itself names it."""
    station = consultation.station
    counsellor = consultation.counsellor.name if consultation.counsellor_id else ""
    summary = f"{consultation._meta.verbose_name.capitalize()} · {station.name}"
    description = "\n".join(
        part
        for part in (counsellor, str(consultation.get_channel_display()), url)
        if part
    )
    entry = Entry(
        uid=f"consultation-{consultation.pk}@{uid_host}",
        starts_at=consultation.starts_at,
        ends_at=consultation.ends_at,
        summary=summary,
        description=description,
        location=", ".join(part for part in (station.name, station.address) if part),
        url=url,
        last_modified=consultation.updated_at,
        cancelled=consultation.status == Consultation.Status.CANCELLED,
        sequence=int(consultation.updated_at.timestamp()) % 2_000_000_000,
    )
    return vcalendar([entry])
