"""Messages to people: every message the portal sends goes through `deliver`.

One function, so that another channel (SMS, WeChat) is one more entry in
CHANNELS: a channel takes an `Outgoing` and either delivers it or raises
`DeliveryError`, saying whether trying again later could help.

Messages are rendered in the recipient's language (`render_message`; the
catalogues and the model text fall back to the other language where a text is
missing): a subject, a plain-text body and an HTML body. A kind with its own
`<template>.html` uses it; every other message gets the plain text laid out in
`emails/_layout.html`, with the station's name and contact beneath.

Templates: `<template>_subject.txt`, `<template>.txt` and, when present,
`<template>.html`, under templates/emails/.
"""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes | str
    mimetype: str


@dataclass(frozen=True)
class Outgoing:
    """One message to one person, ready to render and send."""

    to: str
    template: str
    context: dict
    language: str
    attachments: list[Attachment] = field(default_factory=list)
    channel: str = "email"
    # the same for every attempt at the same message, so that a receiving
    # system can recognise a copy (see docs/reminders.md, "Exactly once")
    message_id: str = ""


class DeliveryError(Exception):
    """The channel could not deliver. `temporary`: trying again later may
    succeed (a 4xx answer, a lost connection); otherwise it will not (a 5xx
    answer, an address the server refuses)."""

    def __init__(self, detail: str, *, temporary: bool):
        super().__init__(detail)
        self.detail = detail[:500]
        self.temporary = temporary


def language_or_default(language: str | None) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else settings.LANGUAGE_CODE


def render_message(template: str, context: dict, language: str | None) -> tuple[str, str, str]:
    """(subject, text, html) of `template` rendered in `language`."""
    with translation.override(language_or_default(language)):
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", context)
        try:
            html = render_to_string(f"emails/{template}.html", context)
        except TemplateDoesNotExist:
            html = render_to_string(
                "emails/_layout.html", {**context, "subject": subject, "body_text": text}
            )
    return subject, text, html


def address_problem(address: str) -> str | None:
    """None for an address worth sending to; otherwise "missing" or "invalid"."""
    if not address:
        return "missing"
    try:
        validate_email(address)
    except ValidationError:
        return "invalid"
    return None


def _smtp_code_is_temporary(code: int) -> bool:
    return not 500 <= code < 600


def _email_error(exc: Exception) -> DeliveryError:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = list(exc.recipients.values())
        temporary = all(_smtp_code_is_temporary(code) for code, _text in answers)
        detail = "; ".join(f"{code} {_decode(text)}" for code, text in answers)
        return DeliveryError(detail, temporary=temporary)
    if isinstance(exc, smtplib.SMTPResponseException):
        return DeliveryError(
            f"{exc.smtp_code} {_decode(exc.smtp_error)}",
            temporary=_smtp_code_is_temporary(exc.smtp_code),
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DeliveryError(str(exc), temporary=False)
    if isinstance(exc, (smtplib.SMTPException, OSError, socket.timeout)):
        # a dropped connection, a refused or timed-out connect, a server gone away
        return DeliveryError(f"{type(exc).__name__}: {exc}", temporary=True)
    raise exc


def _decode(text) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


def email_message(outgoing: Outgoing, *, connection=None) -> EmailMultiAlternatives:
    subject, text, html = render_message(outgoing.template, outgoing.context, outgoing.language)
    headers = {"Auto-Submitted": "auto-generated"}
    if outgoing.message_id:
        headers["Message-ID"] = outgoing.message_id
    station = outgoing.context.get("station")
    reply_to = [station.email] if getattr(station, "email", "") else None
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[outgoing.to],
        headers=headers,
        reply_to=reply_to,
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    for attachment in outgoing.attachments:
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    return message


def _send_email(outgoing: Outgoing, connection) -> None:
    message = email_message(outgoing, connection=connection)
    try:
        if connection is not None:
            # kept open across a batch: send_messages closes only what it opened
            connection.open()
        message.send()
    except Exception as exc:  # noqa: BLE001 - classified, or raised again
        raise _email_error(exc) from exc


CHANNELS: dict[str, Callable[[Outgoing, object], None]] = {"email": _send_email}


def deliver(outgoing: Outgoing, *, connection=None) -> None:
    """Send `outgoing` through its channel. Raises DeliveryError.

    `connection` is the channel's open connection to reuse (for e-mail, a
    Django mail backend), so that a batch does not reconnect per message."""
    CHANNELS[outgoing.channel](outgoing, connection)


def send_message(
    *,
    to: str,
    template: str,
    context: dict,
    language: str | None,
    attachments: list[Attachment] | None = None,
) -> None:
    """Render and send one e-mail now (account e-mails: the confirmation link
    and the password reset, which carry secrets and so are never stored).
    Raises DeliveryError."""
    deliver(
        Outgoing(
            to=to,
            template=template,
            context=context,
            language=language_or_default(language),
            attachments=list(attachments or []),
        )
    )


def site_url() -> str:
    """The public address links in messages start with (SITE_URL), never the
    Host of the request that caused the message: a message may be written by
    a worker long after, and a forged Host must not reach anybody's inbox."""
    return (getattr(settings, "SITE_URL", "") or "").rstrip("/")


def uid_host() -> str:
    """The host part of calendar UIDs and Message-IDs."""
    from urllib.parse import urlsplit

    return urlsplit(site_url()).netloc or "portal.invalid"
