"""iCalendar (RFC 5545) text, written by hand: the format is small.

CRLF line ends, TEXT values escaped (backslash, semicolon, comma, line
break), lines folded at 75 octets without splitting a UTF-8 character, times
in UTC. Used for event files and feeds (events/calendar.py) and for the
calendar file attached to consultation messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import timezone

PRODID = "-//International Community Service Stations//Portal//EN"
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


@dataclass(frozen=True)
class Entry:
    """One VEVENT."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str = ""
    location: str = ""
    categories: str = ""
    url: str = ""
    last_modified: datetime | None = None
    cancelled: bool = False
    sequence: int = 0


def entry_lines(entry: Entry, *, stamp: datetime) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{entry.uid}",
        f"DTSTAMP:{utc(stamp)}",
        f"DTSTART:{utc(entry.starts_at)}",
        f"DTEND:{utc(entry.ends_at)}",
        f"SUMMARY:{escape_text(entry.summary)}",
    ]
    if entry.sequence:
        lines.append(f"SEQUENCE:{entry.sequence}")
    if entry.description:
        lines.append(f"DESCRIPTION:{escape_text(entry.description)}")
    if entry.location:
        lines.append(f"LOCATION:{escape_text(entry.location)}")
    if entry.categories:
        lines.append(f"CATEGORIES:{escape_text(entry.categories)}")
    if entry.url:
        lines.append(f"URL:{entry.url}")
    if entry.last_modified is not None:
        lines.append(f"LAST-MODIFIED:{utc(entry.last_modified)}")
    lines += [f"STATUS:{'CANCELLED' if entry.cancelled else 'CONFIRMED'}", "END:VEVENT"]
    return lines


def vcalendar(entries: Iterable[Entry], *, name: str = "", refresh_hours: int = 0) -> str:
    """A VCALENDAR of `entries` as text."""
    stamp = timezone.now()
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    lines.append("METHOD:PUBLISH")
    if name:
        lines += [f"NAME:{escape_text(name)}", f"X-WR-CALNAME:{escape_text(name)}"]
    if refresh_hours:
        lines.append(f"REFRESH-INTERVAL;VALUE=DURATION:PT{refresh_hours}H")
    for entry in entries:
        lines += entry_lines(entry, stamp=stamp)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
