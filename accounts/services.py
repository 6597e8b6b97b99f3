"""Writes on login accounts: signing up, confirming the e-mail address, the
account's own details, and the e-mails these send.

The rules (docs/accounts.md tells them to people):

- Signing up makes, in one transaction, an *inactive* account, the person's
  resident profile at the station they chose, and their consent to the
  processing of personal information with the version of the text shown and
  the time. The confirmation e-mail goes out once that is committed.
- The account stays inactive, so it cannot log in, until its owner opens the
  signed link (good for three days) from the e-mail. A new link can be asked
  for at any time; it is sent only to an account still awaiting confirmation,
  and the answer does not say whether such an account exists.
- An account *awaits confirmation* while it is inactive, has never logged in
  and has no confirmation time. An account an administrator deactivated after
  it was used is therefore never reactivated by a link.
- On confirmation the sign-up profile is matched to the station's existing
  record of the person when there is exactly one
  (residents.services.resident_match_existing).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from residents.consent_texts import current
from residents.models import Consent, Resident
from residents.services import consent_give, resident_create, resident_match_existing
from stations.models import Station
from stations.notify import send_message
from stations.tenancy import station_scope

from .models import User
from .tokens import (
    CONFIRMATION_MAX_AGE,
    LinkExpired,
    LinkInvalid,
    confirmation_token,
    read_confirmation_token,
)

DUPLICATE_EMAIL = _(
    "An account with this e-mail address already exists. Log in, or reset your password "
    "if you have forgotten it."
)
LINK_EXPIRED = _("This confirmation link has expired. Ask for a new one below.")
LINK_INVALID = _(
    "This confirmation link is not valid. Check that you opened the whole link from the "
    "e-mail, or ask for a new one below."
)

# The profile details a sign-up takes (the identity document is never asked
# for here: it is sensitive and has its own consent).
SIGNUP_PROFILE_FIELDS = frozenset(
    {"family_name", "given_name", "chinese_name", "nationality", "languages", "category", "phone"}
)


def awaiting_confirmation() -> QuerySet[User]:
    """Accounts made by signing up whose owner has not opened the link yet."""
    return User.objects.filter(
        is_active=False, email_confirmed_at__isnull=True, last_login__isnull=True
    )


def display_name(*, family_name: str, given_name: str = "", chinese_name: str = "") -> str:
    """The name an account shows, written as the profile writes it."""
    return Resident(
        family_name=family_name, given_name=given_name, chinese_name=chinese_name
    ).display_name


def password_errors(error: ValidationError) -> list[ValidationError]:
    """Django's password validators' messages, with the one Django's own Chinese
    catalogue does not translate (the minimum length) said in the portal's words."""
    errors = []
    for item in error.error_list:
        if item.code == "password_too_short":
            length = (item.params or {}).get("min_length", 8)
            item = ValidationError(
                ngettext(
                    "This password is too short: use at least %(min_length)d character.",
                    "This password is too short: use at least %(min_length)d characters.",
                    length,
                ),
                code=item.code,
                params={"min_length": length},
            )
        errors.append(item)
    return errors


def account_check_new(*, email: str, password: str, full_name: str = "") -> None:
    """Raise the ValidationError (by field: email, password) that signing up
    with these would raise now, without writing anything. For forms, so every
    problem shows at once; account_sign_up checks again."""
    errors: dict[str, list] = {}
    if User.objects.filter(email__iexact=email.strip()).exists():
        errors["email"] = [ValidationError(DUPLICATE_EMAIL, code="duplicate_email")]
    try:
        password_validation.validate_password(
            password, User(email=email.strip().lower(), full_name=full_name)
        )
    except ValidationError as exc:
        errors["password"] = password_errors(exc)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def account_sign_up(
    *,
    email: str,
    password: str,
    station: Station,
    preferred_language: str,
    consent_version: str,
    link_base: str,
    **profile: Any,
) -> User:
    """Make an inactive account for a new person, their resident profile at
    `station` and their personal-information consent (the text of
    `consent_version`, which must be the current one), and send the
    confirmation e-mail after commit. `link_base` is the site's address
    (scheme and host) for the link.

    Refused as a whole with a ValidationError: a used e-mail address, a weak
    password, an outdated consent text, an inactive station, a profile the
    residents rules refuse (a phone that is not international, an unknown
    country...).
    """
    unknown = set(profile) - SIGNUP_PROFILE_FIELDS
    if unknown:
        raise TypeError(f"Fields a sign-up cannot set: {', '.join(sorted(unknown))}")
    text = current(Consent.Purpose.PERSONAL_DATA)
    if consent_version != text.version:
        raise ValidationError(
            _("The text about your personal information has just changed. Please read it again."),
            code="stale_version",
        )
    if not station.is_active:
        raise ValidationError({"station": _("This station does not take new residents.")})
    email = User.objects.normalize_email(email.strip()).lower()
    full_name = display_name(
        family_name=profile.get("family_name", ""),
        given_name=profile.get("given_name", ""),
        chinese_name=profile.get("chinese_name", ""),
    )
    account_check_new(email=email, password=password, full_name=full_name)
    user = User(
        email=email,
        full_name=full_name,
        preferred_language=preferred_language,
        is_active=False,
    )
    user.set_password(password)
    user.full_clean()
    try:
        # a savepoint, so a sign-up racing this one ends in the same message
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise ValidationError({"email": [DUPLICATE_EMAIL]}, code="duplicate_email") from exc
    # the sign-up request runs in a scope of no station
    with station_scope(station):
        resident = resident_create(
            station=station,
            actor=user,
            user=user,
            email=email,
            preferred_language=preferred_language,
            **profile,
        )
        consent_give(resident=resident, purpose=text.purpose, text_version=text.version, actor=user)
    _send_confirmation_on_commit(user=user, station=station, link_base=link_base)
    return user


def _send_confirmation_on_commit(*, user: User, station: Station | None, link_base: str) -> None:
    with translation.override(user.preferred_language):
        path = reverse(
            "accounts:confirm",
            kwargs={"token": confirmation_token(user_id=user.pk, email=user.email)},
        )
    context = {
        "user": user,
        "station": station,
        "link": link_base.rstrip("/") + path,
        "valid_days": CONFIRMATION_MAX_AGE.days,
    }
    transaction.on_commit(
        lambda: send_message(
            to=user.email,
            template="accounts/confirm_email",
            context=context,
            language=user.preferred_language,
        )
    )


def account_resend_confirmation(*, email: str, link_base: str) -> None:
    """Send a new confirmation link to the account at `email` if it still awaits
    confirmation; do nothing otherwise (the caller answers the same either way,
    so the form cannot be used to find out who has an account)."""
    user = awaiting_confirmation().filter(email__iexact=email.strip()).first()
    if user is None:
        return
    profile = (
        Resident.objects.with_scopes_disabled()
        .select_related("station")
        .filter(user=user)
        .order_by("registered_at")
        .first()
    )
    _send_confirmation_on_commit(
        user=user, station=profile.station if profile else None, link_base=link_base
    )


@transaction.atomic
def account_confirm_email(*, token: str) -> User:
    """Confirm the e-mail address a link from the confirmation e-mail names and
    return the account, with `just_confirmed` False when it was confirmed
    before (a link opened twice does no harm).

    An account awaiting confirmation becomes active; its sign-up profile is
    then matched to the station's existing record of the person. Refused with
    a ValidationError (code "expired" or "invalid") for an expired, forged or
    changed link, and for a link to an address the account no longer has.
    """
    try:
        claim = read_confirmation_token(token)
    except LinkExpired as exc:
        raise ValidationError(LINK_EXPIRED, code="expired") from exc
    except LinkInvalid as exc:
        raise ValidationError(LINK_INVALID, code="invalid") from exc
    user = (
        User.objects.select_for_update().filter(pk=claim.user_id, email__iexact=claim.email).first()
    )
    if user is None:
        raise ValidationError(LINK_INVALID, code="invalid")
    user.just_confirmed = False
    if user.email_confirmed_at is not None:
        return user
    awaiting = not user.is_active and user.last_login is None
    user.email_confirmed_at = timezone.now()
    if awaiting:
        user.is_active = True
    user.save(update_fields=["email_confirmed_at", "is_active"])
    user.just_confirmed = True
    if awaiting:
        profiles = list(Resident.objects.with_scopes_disabled().filter(user=user))
        with station_scope({profile.station_id for profile in profiles}):
            for profile in profiles:
                resident_match_existing(resident=profile, actor=user)
    return user


@transaction.atomic
def account_update(
    *,
    user: User,
    actor: User | None,
    preferred_language: str | None = None,
    full_name: str | None = None,
) -> User:
    """Change the account's preferred language and name; the e-mail address
    (the login) is not changed here."""
    if preferred_language is not None:
        user.preferred_language = preferred_language
    if full_name is not None:
        user.full_name = full_name
    user.full_clean(exclude=["password"])
    user.save(update_fields=["preferred_language", "full_name"])
    return user


def account_send_password_reset(*, user: User, link: str) -> None:
    """E-mail `user` the link to choose a new password, in their language."""
    transaction.on_commit(
        lambda: send_message(
            to=user.email,
            template="accounts/password_reset",
            context={
                "user": user,
                "link": link,
                "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
            },
            language=user.preferred_language,
        )
    )
