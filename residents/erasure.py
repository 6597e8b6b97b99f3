"""Erasing a person: their right to deletion (PIPL art. 47), and the
stations' retention period.

`resident_anonymise` removes everything that names or reaches a person from
one resident profile and what hangs on it, and keeps the rows the yearly
summaries count, with what they count by (the station, the registration
time, nationality, category; the check-ins, consultations and hours as
facts). So every summary figure stays exactly as it was, and the person is
gone:

- the profile: names, phone, e-mail, address, arrival date, languages, the
  identity document (type, number, its hash, expiry), the link to the login
  account; the family name becomes "#<id>" (the field cannot be empty);
- consultations: their notes; event registrations: a new secret token, so
  the old ticket and cancel links open nothing;
- volunteer hours: the description ("what was done" may name people);
- consents: withdrawn (the records stay as evidence of what was agreed);
- what has not happened yet (registrations, bookings, shifts): given back
  through the services, so the waiting list moves up and counsellors are told;
- messages to the person: waiting ones withdrawn, the address of sent ones removed;
- the admin's history: the name it shows of the record.

`account_erase` does that for every profile of a resident's account, then
deletes the account itself (sessions, log-in records, tokens with it).
`retention_apply` anonymises the residents of a station with no activity for
the station's `retention_years`, and removes consultation notes older than
that, every day (the beat task `residents.apply_retention`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.models import Registration, new_token
from reminders.models import Kind, Reminder
from stations.models import Station
from stations.tenancy import station_scope

from .models import Consent, Resident

# the reminder kinds about a resident's rows, by the row they are about
_KINDS_BY_TARGET = {
    "registration": [Kind.REGISTRATION_CONFIRMED, Kind.REGISTRATION_WAITLISTED,
                     Kind.REGISTRATION_PROMOTED, Kind.REGISTRATION_CANCELLED,
                     Kind.EVENT_CANCELLED, Kind.EVENT_REMINDER],
    "consultation": [Kind.CONSULTATION_BOOKED, Kind.CONSULTATION_RESCHEDULED,
                     Kind.CONSULTATION_CANCELLED, Kind.CONSULTATION_REMINDER],
    "signup": [Kind.SHIFT_REMINDER],
    "hours": [Kind.HOURS_REVIEWED],
    "resident": [Kind.DOCUMENT_EXPIRY],
}


@transaction.atomic
def resident_anonymise(*, resident: Resident, actor, now: datetime | None = None) -> Resident:
    """Remove the person from `resident` (see the module); idempotent."""
    from consultations.models import Consultation
    from volunteers.models import HoursEntry, Signup

    now = now or timezone.now()
    with station_scope(resident.station_id):
        _give_back_places(resident, actor, now)
        resident = Resident.objects.select_for_update().get(pk=resident.pk)
        consultations = Consultation.objects.filter(resident_id=resident.pk)
        registrations = Registration.objects.filter(resident_id=resident.pk)
        hours = HoursEntry.objects.filter(volunteer_id=resident.pk)
        signups = Signup.objects.filter(volunteer_id=resident.pk)
        targets = {
            "registration": list(registrations.values_list("pk", flat=True)),
            "consultation": list(consultations.values_list("pk", flat=True)),
            "signup": list(signups.values_list("pk", flat=True)),
            "hours": list(hours.values_list("pk", flat=True)),
            "resident": [resident.pk],
        }
        for consultation in consultations.exclude(notes=""):
            consultation.notes = ""
            consultation.save(update_fields=["notes", "updated_at"])
        for registration in registrations:
            registration.token = new_token()
            registration.save(update_fields=["token"])
        for entry in hours.exclude(description=""):
            entry.description = ""
            entry.save(update_fields=["description"])
        for consent in Consent.objects.filter(resident_id=resident.pk, withdrawn_at__isnull=True):
            consent.withdrawn_at = now
            consent.save(update_fields=["withdrawn_at"])
        mentions = Q()
        for target, ids in targets.items():
            if ids:
                mentions |= Q(kind__in=_KINDS_BY_TARGET[target], target_id__in=ids)
        # their own messages; a counsellor's notice of the freed time still goes
        about_them = Reminder.objects.filter(
            mentions, station_id=resident.station_id, recipient="resident"
        )
        about_them.filter(status=Reminder.Status.PENDING).update(
            status=Reminder.Status.CANCELLED, reason=Reminder.Reason.CHANGED, updated_at=now
        )
        about_them.exclude(sent_to="").update(sent_to="", updated_at=now)
        if resident.anonymised_at is None:
            resident.family_name = f"#{resident.pk}"
            resident.anonymised_at = now
        for name in ("given_name", "chinese_name", "phone", "email", "address",
                     "document_type", "document_number"):
            setattr(resident, name, "")
        resident.languages = []
        resident.arrival_date = None
        resident.document_expires = None
        resident.user = None
        resident.save()
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Resident), object_id=str(resident.pk)
        ).update(object_repr=resident.family_name)
    return resident


def _give_back_places(resident: Resident, actor, now: datetime) -> None:
    """What the person holds that has not happened yet is given back through
    the services, so the waiting list moves up and counsellors are told."""
    from consultations.models import Consultation
    from consultations.services import consultation_set_status
    from events.services import registration_cancel
    from volunteers.models import Signup
    from volunteers.services import signup_withdraw

    for registration in Registration.objects.filter(
        resident_id=resident.pk, event__starts_at__gt=now, checked_in_at__isnull=True
    ).exclude(status=Registration.Status.CANCELLED):
        registration_cancel(registration=registration, actor=actor)
    for consultation in Consultation.objects.filter(
        resident_id=resident.pk, status=Consultation.Status.BOOKED, starts_at__gt=now
    ):
        consultation_set_status(consultation=consultation,
                                status=Consultation.Status.CANCELLED, actor=actor)
    for signup in Signup.objects.filter(
        volunteer_id=resident.pk, status=Signup.Status.ACTIVE, shift__starts_at__gt=now
    ):
        signup_withdraw(signup=signup, actor=actor)


class ErasureRefused(ValidationError):
    pass


@transaction.atomic
def account_erase(*, user, actor, password: str) -> int:
    """Delete the account of a resident who asked for it, anonymising every
    profile it holds; returns how many. Refused (ErasureRefused) with a wrong
    password, and for staff and officials (a superuser closes their accounts,
    as their work records belong to the stations)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from accounts.two_factor import needs_second_factor

    if not user.check_password(password):
        raise ErasureRefused({"password": _("The password is not right.")})
    if needs_second_factor(user) or user.station_memberships.exists():
        raise ErasureRefused(
            _("Staff and officials' accounts are closed by an administrator of the portal.")
        )
    profiles = list(Resident.objects.with_scopes_disabled().filter(user=user))
    for profile in profiles:
        resident_anonymise(resident=profile, actor=actor)
    email = user.email
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(username__iexact=email).delete()
    user.delete()  # sessions end with it: they hold the id of a row that is gone
    return len(profiles)


def _last_activity(station: Station):
    """Each resident of `station` with the time of their last activity there."""
    return Resident.objects.filter(station_id=station.pk, anonymised_at__isnull=True).annotate(
        last_registration=Max("registrations__event__ends_at"),
        last_consultation=Max("consultations__ends_at"),
        last_hours=Max("hours_entries__date"),
    )


def retention_apply(*, station: Station, now: datetime | None = None) -> dict[str, int]:
    """Anonymise `station`'s residents idle for `retention_years` and remove
    older consultation notes. Returns the counts."""
    from consultations.models import Consultation

    now = now or timezone.now()
    cutoff = now - timedelta(days=365 * station.retention_years)
    anonymised = 0
    with station_scope(station.pk):
        for resident in _last_activity(station):
            latest = max(
                moment
                for moment in (
                    resident.updated_at,
                    resident.registered_at,
                    resident.last_registration,
                    resident.last_consultation,
                    timezone.make_aware(datetime.combine(resident.last_hours, datetime.min.time()))
                    if resident.last_hours else None,
                )
                if moment is not None
            )
            if latest < cutoff:
                resident_anonymise(resident=resident, actor=None, now=now)
                anonymised += 1
        old_notes = Consultation.objects.filter(
            station_id=station.pk, ends_at__lt=cutoff
        ).exclude(notes="")
        cleared = 0
        for consultation in old_notes:
            consultation.notes = ""
            consultation.save(update_fields=["notes", "updated_at"])
            cleared += 1
    return {"anonymised": anonymised, "notes_removed": cleared}
