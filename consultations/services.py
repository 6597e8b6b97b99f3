"""Writes of consultations: booking, changing and closing them.

Invariants kept here (and nowhere else):
- a consultation's resident and counsellor belong to its station;
- one counsellor never has two active (booked or completed) consultations that
  overlap. Writers of one counsellor's bookings queue on that counsellor's row
  (`_lock_counsellor`), so each one's `full_clean()` sees every booking
  committed before it; the PostgreSQL exclusion constraint
  `consultation_no_counsellor_overlap` stays the last wall for any writer that
  bypasses this module (as an exclusion violation, or as a deadlock PostgreSQL
  breaks when two inserts wait on each other); all end as the same
  ValidationError;
- a consultation on a sensitive topic (health, psychological counselling) needs
  the resident's active separate consent to health and counselling information;
- the status moves only from booked to completed, cancelled or no-show, and a
  consultation is completed or missed only once it has started;
- a counsellor's availability windows never overlap, offer only the
  counsellor's topics, and someone whose role at the station is counsellor
  publishes availability only for their own counsellor profile;
- on the public site a resident books only a whole free slot of a published
  window, with a channel that window offers, and cancels or moves only a
  booked consultation that has not started; moving is atomic (when the new
  time is taken, the booking keeps its old time).

Messages to the resident and the counsellor (booked, moved, cancelled, and the
reminders before) are written as reminder rows in the same transaction, by
whichever service changes the booking (consultations/reminders.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reminders.models import Kind
from residents.models import Consent, Resident
from residents.services import resident_profile_for_station
from stations.models import Station, StationMembership
from stations.tenancy import station_scope, user_station_roles

from . import reminders
from .models import Availability, Consultation, Counsellor, Topic

if TYPE_CHECKING:
    from accounts.models import User

    from .selectors import Slot

Status = Consultation.Status

OVERLAP_CONSTRAINT = "consultation_no_counsellor_overlap"
DEADLOCK_DETECTED = "40P01"
OVERLAP_MESSAGE = _("The counsellor already has a consultation at this time.")

# What a booking may set; the station is fixed at creation and the status
# moves only through consultation_set_status.
EDITABLE_FIELDS = frozenset(
    {"resident", "topic", "counsellor", "channel", "starts_at", "ends_at", "language", "notes"}
)

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.BOOKED: frozenset({Status.COMPLETED, Status.CANCELLED, Status.NO_SHOW}),
}


def error_list(exc: ValidationError) -> list[ValidationError]:
    """Every single error inside `exc`, whether it carries fields or not."""
    if hasattr(exc, "error_dict"):
        return [error for errors in exc.error_dict.values() for error in errors]
    return exc.error_list


def is_overlap(exc: ValidationError) -> bool:
    """Whether `exc` says the counsellor is already booked at that time: found
    by full_clean (the constraint's message, which has no code) or by the
    database (code "overlap")."""
    overlap = str(OVERLAP_MESSAGE)
    return any(e.code == "overlap" or str(e.message) == overlap for e in error_list(exc))


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"Fields a consultation service cannot set: {', '.join(sorted(unknown))}")


def _check_sensitive_consent(consultation: Consultation) -> None:
    if not consultation.topic.is_sensitive:
        return
    consented = Consent.objects.filter(
        station_id=consultation.station_id,
        resident_id=consultation.resident_id,
        purpose=Consent.Purpose.HEALTH_COUNSELLING,
        withdrawn_at__isnull=True,
    ).exists()
    if not consented:
        message = _(
            "This topic concerns sensitive personal information. Record the "
            "resident's separate consent to health and counselling information first."
        )
        raise ValidationError(
            {"topic": ValidationError(message, code="sensitive_consent_missing")}
        )


def _violated_constraint(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return name
    return OVERLAP_CONSTRAINT if OVERLAP_CONSTRAINT in str(exc) else ""


def _lost_overlap_race(exc: OperationalError) -> bool:
    """Two overlapping bookings inserted at the same instant each wait for the
    other inside the exclusion check; PostgreSQL breaks that cycle by aborting
    one of them with `deadlock detected`. For that one the time is taken."""
    cause = exc.__cause__
    if getattr(cause, "pgcode", None) != DEADLOCK_DETECTED:
        return False
    context = getattr(getattr(cause, "diag", None), "context", None) or ""
    return "exclusion constraint" in context and Consultation._meta.db_table in context


def _lock_counsellor(consultation: Consultation) -> None:
    """Queue the writers of one counsellor's bookings on the counsellor's row.

    Without it, many people booking one popular slot at once all pass
    validation, all insert, and wait on one another inside the exclusion
    check: PostgreSQL then breaks the chain one deadlock per deadlock_timeout
    (1 s), so the last of 40 waits ~40 s for its refusal. Queued, each waits
    only for the one before it to commit, and then its validation sees that
    booking. FOR NO KEY UPDATE does not block rows that merely reference the
    counsellor.
    """
    if consultation.counsellor_id is None:
        return
    list(
        Counsellor.objects.select_for_update(no_key=True)
        .filter(pk=consultation.counsellor_id, station_id=consultation.station_id)
        .values_list("pk", flat=True)
    )


def _validate_and_save(consultation: Consultation, *, check_consent: bool) -> Consultation:
    _lock_counsellor(consultation)
    consultation.full_clean()
    if check_consent:
        _check_sensitive_consent(consultation)
    overlap = ValidationError(
        {NON_FIELD_ERRORS: [ValidationError(OVERLAP_MESSAGE, code="overlap")]}
    )
    try:
        # A savepoint: when the database refuses the row, the caller's
        # transaction stays usable and can show the message.
        with transaction.atomic():
            consultation.save()
    except IntegrityError as exc:
        # full_clean() saw no overlap, so a booking committed in between;
        # the database is the only place that sees both.
        if _violated_constraint(exc) == OVERLAP_CONSTRAINT:
            raise overlap from exc
        raise
    except OperationalError as exc:
        if _lost_overlap_race(exc):
            raise overlap from exc
        raise
    return consultation


@transaction.atomic
def consultation_create(*, station: Station, actor: User | None, **fields: Any) -> Consultation:
    """Book a consultation at `station`. `actor` is the person booking (a staff
    member, or the resident on the public site). Raises ValidationError."""
    _check_fields(fields)
    consultation = Consultation(station=station, status=Status.BOOKED, **fields)
    _validate_and_save(consultation, check_consent=True)
    reminders.consultation_changed(consultation, notice=Kind.CONSULTATION_BOOKED)
    return consultation


@transaction.atomic
def consultation_update(
    *, consultation: Consultation, actor: User | None, **fields: Any
) -> Consultation:
    """Change a consultation's booking or record (time, counsellor, notes...)."""
    _check_fields(fields)
    if consultation._state.adding:
        raise ValueError("consultation_update needs a saved consultation.")
    previous = (
        Consultation.objects.filter(pk=consultation.pk)
        .values("resident_id", "topic_id", "starts_at", "status")
        .get()
    )
    for name, value in fields.items():
        setattr(consultation, name, value)
    # Re-checked only when the person or the topic changes: closing the record
    # of a consultation already given must stay possible.
    check_consent = (
        previous["resident_id"] != consultation.resident_id
        or previous["topic_id"] != consultation.topic_id
    )
    _validate_and_save(consultation, check_consent=check_consent)
    moved = previous["starts_at"] != consultation.starts_at and consultation.status == Status.BOOKED
    reminders.consultation_changed(
        consultation,
        notice=Kind.CONSULTATION_RESCHEDULED if moved else None,
        previous_start=previous["starts_at"],
    )
    return consultation


@transaction.atomic
def consultation_set_status(
    *, consultation: Consultation, status: str, actor: User | None
) -> Consultation:
    """Complete, cancel or mark as no-show a booked consultation.

    The row is locked, so two people closing the same consultation at once end
    with one change and one clear refusal. `consultation` is updated in place.
    """
    locked = Consultation.objects.select_for_update().get(pk=consultation.pk)
    if status not in TRANSITIONS.get(locked.status, frozenset()):
        raise ValidationError(
            _("This consultation is already “%(current)s” and cannot be set to “%(new)s”.")
            % {"current": locked.get_status_display(), "new": Status(status).label},
            code="invalid_transition",
        )
    if status in (Status.COMPLETED, Status.NO_SHOW) and locked.starts_at > timezone.now():
        raise ValidationError(
            _("A consultation can be marked completed or no-show only once it has started."),
            code="not_started",
        )
    locked.status = status
    locked.full_clean()
    locked.save(update_fields=["status", "updated_at"])
    reminders.consultation_changed(
        locked, notice=Kind.CONSULTATION_CANCELLED if status == Status.CANCELLED else None
    )
    consultation.status = locked.status
    consultation.updated_at = locked.updated_at
    return locked


# --- Availability -------------------------------------------------------------

AVAILABILITY_FIELDS = frozenset({"counsellor", "starts_at", "ends_at", "slot_minutes", "channels"})
AVAILABILITY_OVERLAP_CONSTRAINT = "availability_no_counsellor_overlap"


def may_schedule_for(user: User | None, counsellor: Counsellor) -> bool:
    """Whether `user` may publish availability for `counsellor`: the system
    (None) and superusers always; a manager or staff member of the counsellor's
    station; someone whose role there is counsellor only for their own profile."""
    if user is None or user.is_superuser:
        return True
    role = user_station_roles(user).get(counsellor.station_id)
    if role == StationMembership.Role.COUNSELLOR:
        return counsellor.user_id is not None and counsellor.user_id == user.pk
    return role is not None


def _check_may_schedule(actor: User | None, counsellor: Counsellor | None) -> None:
    if counsellor is not None and not may_schedule_for(actor, counsellor):
        message = _("You may publish availability only for your own counsellor profile.")
        raise ValidationError({"counsellor": ValidationError(message, code="not_own_profile")})


def _check_window_topics(counsellor: Counsellor, topics: Iterable[Topic]) -> None:
    handled = set(counsellor.topics.values_list("pk", flat=True))
    foreign = [t for t in topics if t.pk not in handled]
    if foreign:
        message = _("%(counsellor)s does not handle: %(topics)s.") % {
            "counsellor": counsellor,
            "topics": ", ".join(str(t) for t in foreign),
        }
        raise ValidationError({"topics": ValidationError(message, code="topic_not_handled")})


def _save_availability(availability: Availability, topics: Iterable[Topic] | None) -> Availability:
    availability.full_clean()
    topics = list(topics) if topics is not None else None
    if topics is not None:
        _check_window_topics(availability.counsellor, topics)
    try:
        with transaction.atomic():
            availability.save()
    except IntegrityError as exc:
        if _violated_constraint(exc) == AVAILABILITY_OVERLAP_CONSTRAINT:
            raise ValidationError(
                _("This counsellor already has availability at this time."), code="overlap"
            ) from exc
        raise
    if topics is not None:
        availability.topics.set(topics)
    return availability


def _check_availability_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - AVAILABILITY_FIELDS
    if unknown:
        raise TypeError(f"Fields an availability service cannot set: {', '.join(sorted(unknown))}")


@transaction.atomic
def availability_create(
    *,
    station: Station,
    actor: User | None,
    topics: Iterable[Topic] | None = None,
    **fields: Any,
) -> Availability:
    """Publish a window in which a counsellor takes bookings. `topics` empty
    or None: every topic of the counsellor. Raises ValidationError."""
    _check_availability_fields(fields)
    availability = Availability(station=station, **fields)
    _check_may_schedule(actor, availability.counsellor if availability.counsellor_id else None)
    return _save_availability(availability, topics)


@transaction.atomic
def availability_update(
    *,
    availability: Availability,
    actor: User | None,
    topics: Iterable[Topic] | None = None,
    **fields: Any,
) -> Availability:
    """Change a window; `topics` None leaves its topics as they are. Booked
    consultations keep their time: they are rows of their own."""
    _check_availability_fields(fields)
    _check_may_schedule(actor, availability.counsellor)
    for name, value in fields.items():
        setattr(availability, name, value)
    _check_may_schedule(actor, availability.counsellor)
    return _save_availability(availability, topics)


# --- Booking on the public site -------------------------------------------------


def _check_channel(slot: Slot, channel: str) -> None:
    if channel not in slot.availability.channels:
        message = _("Choose one of the ways this counsellor offers.")
        raise ValidationError({"channel": ValidationError(message, code="channel_not_offered")})


def _check_language(slot: Slot, language: str) -> None:
    if language and language not in slot.counsellor.languages:
        message = _("Choose a language the counsellor speaks.")
        raise ValidationError({"language": ValidationError(message, code="language_not_spoken")})


NO_PROFILE_MESSAGE = _(
    "Your account has no resident profile yet. Add your details on your page first, "
    "then book again."
)


def _profile_for(user: User, station: Station) -> Resident:
    try:
        return resident_profile_for_station(user=user, station=station)
    except Resident.DoesNotExist as exc:
        raise ValidationError(NO_PROFILE_MESSAGE, code="no_profile") from exc


@transaction.atomic
def consultation_book(
    *, slot: Slot, topic: Topic, user: User, channel: str, language: str = ""
) -> Consultation:
    """The person behind `user` books `slot` (from selectors.slot_get) on
    `topic`, with their profile at the slot's station (made when missing).

    The exclusion constraint decides a race for the same slot: the loser gets
    the overlap ValidationError and nothing is saved, not even a new profile.
    The resident and the counsellor are told by e-mail after commit.
    """
    _check_channel(slot, channel)
    _check_language(slot, language)
    # the request's scope was opened before a profile at this station may exist
    with station_scope(slot.station):
        resident = _profile_for(user, slot.station)
        consultation = consultation_create(
            station=slot.station,
            actor=user,
            resident=resident,
            topic=topic,
            counsellor=slot.counsellor,
            channel=channel,
            language=language,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
        )
    return consultation


def _lock_future_booking(consultation: Consultation, *, started_message) -> Consultation:
    locked = (
        Consultation.objects.select_for_update(of=("self",))
        .select_related("resident", "topic", "counsellor", "station")
        .get(pk=consultation.pk)
    )
    if locked.status != Status.BOOKED:
        raise ValidationError(
            _("This consultation is “%(status)s”; only a booked consultation can be changed.")
            % {"status": locked.get_status_display()},
            code="not_booked",
        )
    if locked.starts_at <= timezone.now():
        raise ValidationError(started_message, code="started")
    return locked


@transaction.atomic
def consultation_cancel(*, consultation: Consultation, actor: User | None) -> Consultation:
    """The resident cancels a booked consultation that has not started; the
    slot opens again. `consultation` is updated in place."""
    with station_scope(consultation.station_id):
        locked = _lock_future_booking(
            consultation,
            started_message=_(
                "This consultation has already started; it can no longer be cancelled."
            ),
        )
        consultation_set_status(consultation=locked, status=Status.CANCELLED, actor=actor)
    consultation.status = locked.status
    return locked


@transaction.atomic
def consultation_reschedule(
    *, consultation: Consultation, slot: Slot, channel: str, actor: User | None
) -> Consultation:
    """Move a booked consultation that has not started to another free slot of
    the same counsellor. When the new time is taken the ValidationError leaves
    the booking at its old time (the whole move is one transaction)."""
    with station_scope(consultation.station_id):
        locked = _lock_future_booking(
            consultation,
            started_message=_("This consultation has already started; it can no longer be moved."),
        )
        if slot.counsellor.pk != locked.counsellor_id:
            raise ValidationError(
                _("Choose another time with the same counsellor."), code="other_counsellor"
            )
        _check_channel(slot, channel)
        consultation_update(
            consultation=locked,
            actor=actor,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            channel=channel,
        )
    return locked
