"""The consent texts residents are shown, with their versions.

A consent record stores the version of the text the person saw. When a text
changes in substance, give it a new version: people who agreed to the old one
are asked again the next time they need it. Each text exists in both languages
through gettext, so the version covers both.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Consent

Purpose = Consent.Purpose


@dataclass(frozen=True)
class ConsentText:
    purpose: str
    version: str
    title: Promise
    collected: Promise
    why: Promise
    sensitive: bool


TEXTS: dict[str, ConsentText] = {
    Purpose.PERSONAL_DATA: ConsentText(
        purpose=Purpose.PERSONAL_DATA,
        version="2026-11",
        title=_("Your personal information"),
        collected=_(
            "Your name, nationality, languages, category of resident, phone, e-mail, "
            "address and arrival date, and what you do with the station: events you "
            "register for, consultations you book and volunteer hours you log."
        ),
        why=_(
            "The station uses it to serve you: to keep your place at events, remind "
            "you of appointments, answer your questions in your language and count "
            "its work in yearly figures that never name anyone. Only the station you "
            "choose sees it. You can download, correct or delete it at any time."
        ),
        sensitive=False,
    ),
    Purpose.IDENTITY_DOCUMENT: ConsentText(
        purpose=Purpose.IDENTITY_DOCUMENT,
        version="2026-11",
        title=_("Your identity document (sensitive)"),
        collected=_("The type, number and expiry date of your passport, visa or permit."),
        why=_(
            "The station uses it only to remind you before the document expires and "
            "to help with applications you ask for. It is sensitive personal "
            "information under China's Personal Information Protection Law; you may "
            "refuse, and everything else still works."
        ),
        sensitive=True,
    ),
    Purpose.HEALTH_COUNSELLING: ConsentText(
        purpose=Purpose.HEALTH_COUNSELLING,
        version="2026-11",
        title=_("Health and counselling information (sensitive)"),
        collected=_(
            "That you booked a consultation on a health or psychological topic, and "
            "the counsellor's notes of it."
        ),
        why=_(
            "Only the counsellor who helps you reads the notes. It is sensitive "
            "personal information under China's Personal Information Protection "
            "Law; it is asked for only when you book such a consultation."
        ),
        sensitive=True,
    ),
    Purpose.NEWSLETTER: ConsentText(
        purpose=Purpose.NEWSLETTER,
        version="2026-11",
        title=_("News and event announcements"),
        collected=_("Your e-mail address and preferred language."),
        why=_("The station sends you news of its events and notices. Optional."),
        sensitive=False,
    ),
}


def current(purpose: str) -> ConsentText:
    return TEXTS[purpose]
