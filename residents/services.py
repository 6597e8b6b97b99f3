"""Writes on residents and their consents.

Every write validates the whole row (`full_clean`) before saving, so the admin,
the public site and the API refuse the same input with the same message. The
`actor` is the person acting (a staff member, the resident, or None for the
system); it is part of every signature so the audit trail can name who did it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stations.models import Station

from .models import Consent, Resident

if TYPE_CHECKING:
    from accounts.models import User

# A resident's station is fixed: registrations, consultations and consents are
# kept in the same station as the resident, and moving one profile would split them.
_FIXED_FIELDS = frozenset({"station", "station_id", "id", "pk"})


@transaction.atomic
def resident_create(*, station: Station, actor: User | None, **fields: Any) -> Resident:
    """Create a resident profile owned by `station`."""
    if _FIXED_FIELDS & fields.keys():
        raise TypeError("resident_create takes the station as `station=` only")
    resident = Resident(station=station, **fields)
    resident.full_clean()
    resident.save()
    return resident


@transaction.atomic
def resident_update(*, resident: Resident, actor: User | None, **fields: Any) -> Resident:
    """Change the given fields of `resident`; its station cannot change."""
    if _FIXED_FIELDS & fields.keys():
        raise ValidationError({"station": _("A resident's station cannot be changed.")})
    for name, value in fields.items():
        setattr(resident, name, value)
    resident.full_clean()
    resident.save()
    return resident


@transaction.atomic
def consent_give(
    *, resident: Resident, purpose: str, text_version: str, actor: User | None = None
) -> Consent:
    """Record that `resident` consents to `purpose`, shown text `text_version`.

    At most one consent per purpose is active. Giving the same consent again
    returns the active one unchanged. Consenting to a newer version of the text
    withdraws the older consent and records the new one, so the history shows
    which text was agreed to and when.
    """
    # Serialises two simultaneous gives for the same resident; without it the
    # second would hit the one-active-consent constraint as a database error.
    Resident.objects.select_for_update().filter(pk=resident.pk).first()
    active = Consent.objects.filter(
        resident=resident, purpose=purpose, withdrawn_at__isnull=True
    ).first()
    if active is not None:
        if active.text_version == text_version:
            return active
        consent_withdraw(consent=active, actor=actor)
    consent = Consent(
        station_id=resident.station_id,
        resident=resident,
        purpose=purpose,
        text_version=text_version,
    )
    consent.full_clean()
    consent.save()
    return consent


@transaction.atomic
def consent_withdraw(*, consent: Consent, actor: User | None = None) -> Consent:
    """Withdraw `consent` now and return it as saved.

    Withdrawing a withdrawn consent changes nothing: the first withdrawal time stays.
    """
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        return consent
    consent.withdrawn_at = timezone.now()
    consent.full_clean()
    consent.save(update_fields=["withdrawn_at"])
    return consent


# What a new profile at another station copies from the person's latest one.
_PROFILE_COPY = (
    "family_name",
    "given_name",
    "chinese_name",
    "nationality",
    "languages",
    "preferred_language",
    "category",
    "phone",
    "email",
    "address",
    "arrival_date",
)


@transaction.atomic
def resident_profile_for_station(*, user: User, station: Station) -> Resident:
    """The resident profile of `user` at `station`, created when missing.

    A person acts at another station (registers for its event, books there) with
    a profile owned by that station, so each station sees only what was done
    with it. The new profile copies the contact details of the person's latest
    profile (never the identity document) and records the personal-information
    consent the person gave by acting, with the current text's version.
    Raises Resident.DoesNotExist when the person has no profile anywhere yet.
    """
    from .consent_texts import current

    existing = Resident.objects.with_scopes_disabled().filter(user=user, station=station).first()
    if existing is not None:
        return existing
    latest = (
        Resident.objects.with_scopes_disabled().filter(user=user).order_by("-updated_at").first()
    )
    if latest is None:
        raise Resident.DoesNotExist("This account has no resident profile yet.")
    fields = {name: getattr(latest, name) for name in _PROFILE_COPY}
    resident = resident_create(station=station, actor=user, user=user, **fields)
    text = current(Consent.Purpose.PERSONAL_DATA)
    consent_give(resident=resident, purpose=text.purpose, text_version=text.version, actor=user)
    return resident
