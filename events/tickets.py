"""Self-service links and tickets of registrations.

The confirmation e-mail carries a link to the person's ticket, which works
without logging in. The link holds the registration's secret token signed
with the site's key (`django.core.signing`, a salt of its own), so a token
changed by hand, or a value signed for another purpose, is refused before the
database is asked. A link is valid until `VALID_AFTER_END` after the event
ends, counted from the event's current end, so a postponed event keeps its
links working.

The QR code on the ticket holds the bare token: the check-in desk looks the
registration up by it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import segno
from django.core import signing
from django.urls import reverse
from django.utils import timezone, translation

from .models import Event, Registration

SALT = "events.registration.self-service"
VALID_AFTER_END = timedelta(days=7)


class LinkInvalid(Exception):
    """The link was changed, cut short or signed for something else."""


def link_code(registration: Registration) -> str:
    """The signed code of `registration`'s self-service links."""
    return signing.Signer(salt=SALT).sign(registration.token)


def token_from_code(code: str) -> str:
    """The registration token a link's code holds; LinkInvalid when the
    signature does not match."""
    try:
        return signing.Signer(salt=SALT).unsign(code)
    except signing.BadSignature as exc:
        raise LinkInvalid from exc


def link_expired(event: Event, *, now: datetime | None = None) -> bool:
    return (now or timezone.now()) >= event.ends_at + VALID_AFTER_END


def ticket_path(registration: Registration, *, language: str) -> str:
    """The ticket page's path in `language`."""
    with translation.override(language):
        return reverse("events:ticket", args=[link_code(registration)])


def cancel_path(registration: Registration, *, language: str) -> str:
    with translation.override(language):
        return reverse("events:cancel", args=[link_code(registration)])


def qr_svg(registration: Registration, *, title: str) -> str:
    """An inline SVG QR code of the registration's token, scaled by CSS (no
    fixed size), with `title` as its accessible name."""
    code = segno.make_qr(registration.token, error="m")
    return code.svg_inline(
        scale=4, border=4, omitsize=True, title=title, svgclass="event-ticket__qr", lineclass=None
    )
