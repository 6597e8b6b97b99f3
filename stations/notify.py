"""Messages to people: every e-mail the portal sends goes through `send_message`.

One function so that another channel (SMS, WeChat) can be added in one place.
It renders the subject and the plain-text and HTML bodies in the recipient's
language (falling back to the default), with the station's name and contact.

Templates: `<template>_subject.txt`, `<template>.txt` and, when present,
`<template>.html`, under templates/emails/.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes | str
    mimetype: str


def _language(language: str | None) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else settings.LANGUAGE_CODE


def render_message(template: str, context: dict, language: str | None) -> tuple[str, str, str]:
    """(subject, text, html) of `template` rendered in `language`."""
    with translation.override(_language(language)):
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", context)
        try:
            html = render_to_string(f"emails/{template}.html", context)
        except TemplateDoesNotExist:
            html = ""
    return subject, text, html


def send_message(
    *,
    to: str,
    template: str,
    context: dict,
    language: str | None,
    attachments: list[Attachment] | None = None,
) -> None:
    """Render `template` in `language` and send it to `to` by e-mail.

    Raises what the mail backend raises; callers that must not fail (a web
    request) send after commit, and the reminders machinery retries.
    """
    subject, text, html = render_message(template, context, language)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]
    )
    if html:
        message.attach_alternative(html, "text/html")
    for attachment in attachments or []:
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    message.send()
