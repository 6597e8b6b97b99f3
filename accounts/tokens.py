"""Signed links for confirming an e-mail address.

A link carries the account id and the address it was sent to, signed with the
site's secret and stamped with the time it was made. It is good for
CONFIRMATION_MAX_AGE; a link sent to an address the account no longer has is
refused like a forged one. A link does not need to be stored: what it may do
is decided when it is used (see accounts.services.account_confirm_email).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core import signing

CONFIRMATION_MAX_AGE = timedelta(days=3)
_SALT = "accounts.email-confirmation"


class LinkInvalid(Exception):
    """The link was not made by this site, or was changed."""


class LinkExpired(Exception):
    """The link was made by this site, but too long ago."""


@dataclass(frozen=True)
class ConfirmationClaim:
    user_id: int
    email: str


def confirmation_token(*, user_id: int, email: str) -> str:
    return signing.dumps({"u": user_id, "e": email.lower()}, salt=_SALT)


def read_confirmation_token(token: str) -> ConfirmationClaim:
    """What a confirmation link claims; LinkExpired or LinkInvalid otherwise."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=CONFIRMATION_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise LinkExpired from exc
    except signing.BadSignature as exc:
        raise LinkInvalid from exc
    try:
        return ConfirmationClaim(user_id=int(payload["u"]), email=str(payload["e"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise LinkInvalid from exc
