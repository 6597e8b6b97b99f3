"""iCalendar files of events: one event, or a station's feed (stations/ical.py
writes the format). Text is taken in the active language (the request's, or
the recipient's for an e-mail attachment)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from stations.ical import Entry, escape_text, fold, utc, vcalendar

from .models import Event

__all__ = ["calendar", "escape_text", "fold", "utc"]


def _entry(event: Event, *, url: str, uid_host: str) -> Entry:
    location = ", ".join(
        part for part in (event.place, event.station.name, event.station.address) if part
    )
    return Entry(
        uid=f"event-{event.pk}@{uid_host}",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        summary=event.title,
        description="\n\n".join(part for part in (event.description, url) if part),
        location=location,
        categories=event.category.name if event.category_id else "",
        url=url,
        last_modified=event.updated_at,
        cancelled=event.cancelled_at is not None,
    )


def calendar(
    events: Iterable[Event],
    *,
    url_for: Callable[[Event], str],
    uid_host: str,
    name: str = "",
) -> str:
    """A VCALENDAR of `events` as text; `url_for(event)` gives each event's
    absolute page address. Events need their station and category loaded."""
    return vcalendar(
        (_entry(event, url=url_for(event), uid_host=uid_host) for event in events),
        name=name,
        refresh_hours=6 if name else 0,
    )
