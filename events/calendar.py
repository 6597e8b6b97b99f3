"""iCalendar (RFC 5545) files of events: one event, or a station's feed.

Written by hand, the format is small: CRLF line ends, TEXT values escaped
(backslash, semicolon, comma, line break), lines folded at 75 octets without
splitting a UTF-8 character, times in UTC. Text is taken in the active
language (the request's, or the recipient's for an e-mail attachment).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from django.utils import timezone

from .models import Event

PRODID = "-//International Community Service Stations//Events//EN"
MAX_OCTETS = 75


def escape_text(value: str) -> str:
    """A TEXT value as RFC 5545 writes it (section 3.3.11)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return (
        value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """`line` folded into pieces of at most 75 octets (section 3.1); each
    continuation starts with a space, which counts in its 75."""
    pieces, current, size = [], [], 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = MAX_OCTETS if not pieces else MAX_OCTETS - 1
        if size + width > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _event_lines(event: Event, *, url: str, uid_host: str, stamp: datetime) -> list[str]:
    location = ", ".join(
        part for part in (event.place, event.station.name, event.station.address) if part
    )
    description = "\n\n".join(part for part in (event.description, url) if part)
    lines = [
        "BEGIN:VEVENT",
        f"UID:event-{event.pk}@{uid_host}",
        f"DTSTAMP:{utc(stamp)}",
        f"DTSTART:{utc(event.starts_at)}",
        f"DTEND:{utc(event.ends_at)}",
        f"SUMMARY:{escape_text(event.title)}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    if event.category_id:
        lines.append(f"CATEGORIES:{escape_text(event.category.name)}")
    if url:
        lines.append(f"URL:{url}")
    lines += [
        f"LAST-MODIFIED:{utc(event.updated_at)}",
        "STATUS:CONFIRMED",
        "END:VEVENT",
    ]
    return lines


def calendar(
    events: Iterable[Event],
    *,
    url_for: Callable[[Event], str],
    uid_host: str,
    name: str = "",
) -> str:
    """A VCALENDAR of `events` as text; `url_for(event)` gives each event's
    absolute page address. Events need their station and category loaded."""
    stamp = timezone.now()
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    lines.append("METHOD:PUBLISH")
    if name:
        lines += [f"NAME:{escape_text(name)}", f"X-WR-CALNAME:{escape_text(name)}"]
        lines.append("REFRESH-INTERVAL;VALUE=DURATION:PT6H")
    for event in events:
        lines += _event_lines(event, url=url_for(event), uid_host=uid_host, stamp=stamp)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
