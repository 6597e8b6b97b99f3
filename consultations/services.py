"""Writes of consultations: booking, changing and closing them.

Invariants kept here (and nowhere else):
- a consultation's resident and counsellor belong to its station;
- one counsellor never has two active (booked or completed) consultations that
  overlap. `full_clean()` checks it, and the PostgreSQL exclusion constraint
  `consultation_no_counsellor_overlap` refuses the second of two bookings made
  at the same moment (as an exclusion violation, or as a deadlock PostgreSQL
  breaks when both inserts wait on each other); all end as the same
  ValidationError;
- a consultation on a sensitive topic (health, psychological counselling) needs
  the resident's active separate consent to health and counselling information;
- the status moves only from booked to completed, cancelled or no-show, and a
  consultation is completed or missed only once it has started.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from residents.models import Consent
from stations.models import Station

from .models import Consultation

if TYPE_CHECKING:
    from accounts.models import User

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
        raise ValidationError(
            {
                "topic": _(
                    "This topic concerns sensitive personal information. Record the "
                    "resident's separate consent to health and counselling information first."
                )
            },
            code="sensitive_consent_missing",
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


def _validate_and_save(consultation: Consultation, *, check_consent: bool) -> Consultation:
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
    return _validate_and_save(consultation, check_consent=True)


@transaction.atomic
def consultation_update(
    *, consultation: Consultation, actor: User | None, **fields: Any
) -> Consultation:
    """Change a consultation's booking or record (time, counsellor, notes...)."""
    _check_fields(fields)
    if consultation._state.adding:
        raise ValueError("consultation_update needs a saved consultation.")
    previous = (
        Consultation.objects.filter(pk=consultation.pk).values("resident_id", "topic_id").get()
    )
    for name, value in fields.items():
        setattr(consultation, name, value)
    # Re-checked only when the person or the topic changes: closing the record
    # of a consultation already given must stay possible.
    check_consent = (
        previous["resident_id"] != consultation.resident_id
        or previous["topic_id"] != consultation.topic_id
    )
    return _validate_and_save(consultation, check_consent=check_consent)


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
    consultation.status = locked.status
    consultation.updated_at = locked.updated_at
    return locked
