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

from . import reminders
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
    if resident.document_expires is not None:
        reminders.document_changed(resident)
    return resident


@transaction.atomic
def resident_update(*, resident: Resident, actor: User | None, **fields: Any) -> Resident:
    """Change the given fields of `resident`; its station cannot change."""
    if _FIXED_FIELDS & fields.keys():
        raise ValidationError({"station": _("A resident's station cannot be changed.")})
    expires_before = resident.document_expires
    if not resident._state.adding:
        expires_before = (
            Resident.objects.filter(pk=resident.pk)
            .values_list("document_expires", flat=True)
            .first()
        )
    for name, value in fields.items():
        setattr(resident, name, value)
    resident.full_clean()
    resident.save()
    if resident.document_expires != expires_before:
        reminders.document_changed(resident)
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


# What a person may change about themselves on the public site. The identity
# document is asked for separately, with its own consent; the station and the
# category stay as the station recorded them.
OWN_DETAILS = frozenset(
    {"family_name", "given_name", "chinese_name", "phone", "email", "languages", "address"}
)

# Details typed at sign-up that replace a station's record when the new account
# is matched to it (see resident_match_existing).
_SIGNUP_DETAILS = (
    "family_name",
    "given_name",
    "chinese_name",
    "nationality",
    "languages",
    "category",
    "phone",
    "preferred_language",
)


def _given(value: Any) -> bool:
    return value not in ("", None) and value != []


def _holds_records(resident: Resident) -> bool:
    """Whether anything but consents points at `resident` (registrations,
    bookings, sign-ups, hours...), whatever app added it."""
    for relation in Resident._meta.related_objects:
        if relation.related_model is Consent or not relation.one_to_many:
            continue
        if relation.related_model._default_manager.filter(
            **{relation.field.name: resident}
        ).exists():
            return True
    return False


@transaction.atomic
def resident_match_existing(*, resident: Resident, actor: User | None) -> Resident:
    """Merge the profile a person made by signing up into the station's own
    record of them, when exactly one such record is found; return the profile
    the account keeps.

    The station's record matches when it is at the same station, not linked to
    any account, has the same e-mail address (case-insensitive) and the same
    family name (case-insensitive). The name is checked too because families
    often share one address, and a wrong match would show one person another
    person's record. Two or more matches, or none, leave both profiles as they
    are: staff link the right one in the admin.

    Call it only once the person has proved the address is theirs (the
    confirmation link): otherwise anyone could claim a record by typing its
    e-mail address. Nothing is merged while the sign-up profile holds anything
    but consents (staff may have used it meanwhile).

    On a match the details the person typed replace the station's where given
    (the person is the best source of their own name and phone); the identity
    document, address and arrival date the station recorded stay. The consents
    the person gave at sign-up move to the record with their time and version,
    and supersede the record's active ones for the same purpose (withdrawn now,
    as a newer consent does in consent_give): every consent row stays as
    evidence.
    """
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    if resident.user_id is None or not resident.email:
        return resident
    name = resident.family_name.strip().casefold()
    # names compared in Python: the database's case rules depend on its locale
    matches = [
        candidate
        for candidate in Resident.objects.select_for_update()
        .filter(station_id=resident.station_id, user__isnull=True, email__iexact=resident.email)
        .exclude(pk=resident.pk)
        if candidate.family_name.strip().casefold() == name
    ]
    if len(matches) != 1 or _holds_records(resident):
        return resident
    record = matches[0]
    for consent in Consent.objects.filter(resident=resident, withdrawn_at__isnull=True):
        held = Consent.objects.filter(
            resident=record, purpose=consent.purpose, withdrawn_at__isnull=True
        ).first()
        if held is not None:
            consent_withdraw(consent=held, actor=actor)
        consent.resident = record
        consent.full_clean()
        consent.save(update_fields=["resident"])
    details = {name: getattr(resident, name) for name in _SIGNUP_DETAILS}
    user_id = resident.user_id
    resident.delete()
    return resident_update(
        resident=record,
        actor=actor,
        user_id=user_id,
        **{name: value for name, value in details.items() if _given(value)},
    )


@transaction.atomic
def resident_details_update(
    *, user: User, actor: User | None, preferred_language: str, **details: Any
) -> list[Resident]:
    """Change the person's preferred language, on the account and on every
    profile, and the contact details in `details` (OWN_DETAILS) on every
    profile; return the profiles as saved.

    Every profile gets the same details: they describe one person, and each
    station should reach them the same way. The account's name follows the
    profile's. Refused as a whole (ValidationError) when one profile refuses.
    """
    from accounts.services import account_update

    unknown = set(details) - OWN_DETAILS
    if unknown:
        raise TypeError(f"Details a person cannot change here: {', '.join(sorted(unknown))}")
    profiles = list(
        Resident.objects.with_scopes_disabled()
        .select_for_update()
        .filter(user=user)
        .order_by("station_id")
    )
    saved = [
        resident_update(
            resident=profile, actor=actor, preferred_language=preferred_language, **details
        )
        for profile in profiles
    ]
    full_name = saved[0].display_name if saved else user.full_name
    account_update(
        user=user, actor=actor, preferred_language=preferred_language, full_name=full_name
    )
    return saved


@transaction.atomic
def consent_give_own(*, user: User, station: Station, purpose: str, text_version: str) -> Consent:
    """The person behind `user` consents to `purpose` at `station`, having been
    shown the text of `text_version`.

    Refused when that is no longer the current text (the person must read the
    new one), or when the account has no profile anywhere yet. A profile at
    `station` is made when missing (resident_profile_for_station).
    """
    from stations.tenancy import station_scope

    from .consent_texts import TEXTS

    text = TEXTS.get(purpose)
    if text is None:
        raise ValidationError({"purpose": _("Unknown kind of consent.")}, code="unknown_purpose")
    if text.version != text_version:
        raise ValidationError(
            _("The text of this consent has just changed. Please read it again."),
            code="stale_version",
        )
    # the request's scope was opened before a profile at `station` may exist
    with station_scope(station):
        try:
            resident = resident_profile_for_station(user=user, station=station)
        except Resident.DoesNotExist as exc:
            raise ValidationError(
                _("Your account has no resident profile yet, so there is nothing to consent to."),
                code="no_profile",
            ) from exc
        return consent_give(
            resident=resident, purpose=purpose, text_version=text_version, actor=user
        )
