"""Personal API tokens: making, revoking and checking them.

A key is `ics_` and 40 random URL-safe characters; the database keeps its
SHA-256 and the first characters (to tell tokens apart in the admin). The key
itself is returned once, by `api_token_create`. A request carries it as
`Authorization: Bearer <key>`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, User

PREFIX = "ics_"
# the "last used" time is written at most this often, not on every request
LAST_USED_STEP = timedelta(minutes=1)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, user: User, actor: User, name: str, expires_at=None
) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns it and its key, which is never shown again."""
    if actor.pk != user.pk and not actor.is_superuser:
        raise ValidationError(_("You can make API tokens for yourself only."))
    if not user.is_staff:
        raise ValidationError(_("Only staff and officials may have API tokens."))
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The end date must be in the future.")})
    key = PREFIX + secrets.token_urlsafe(30)
    token = ApiToken(user=user, name=name, prefix=key[:10], key_hash=_digest(key),
                     expires_at=expires_at)
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    if actor.pk != token.user_id and not actor.is_superuser:
        raise ValidationError(_("You can revoke your own API tokens only."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_user(key: str) -> tuple[User, ApiToken] | None:
    """The owner and token of `key`, or None when the key is unknown, revoked,
    expired, or its owner's account is inactive."""
    if not key or not key.startswith(PREFIX) or len(key) > 100:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_digest(key)).first()
    now = timezone.now()
    if (
        token is None
        or token.revoked_at is not None
        or (token.expires_at is not None and token.expires_at <= now)
        or not token.user.is_active
    ):
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_STEP:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token
