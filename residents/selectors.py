"""Reads on residents and consents.

`station_ids` None means no station restriction (a superuser or city-wide code
that opened its own scope); otherwise only those stations' rows are returned,
behind the scope that the entry point opened.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from consultations.models import Consultation
from events.models import Registration
from stations import crypto
from stations.models import Station
from stations.tenancy import access_object
from volunteers.models import HoursEntry, Signup

from .models import Consent, Resident


def resident_list(
    *, station_ids: Iterable[int] | None = None, search: str = ""
) -> QuerySet[Resident]:
    """Residents, with their station loaded; `search` matches names, e-mail,
    phone (parts of them) and document number (the whole number, whatever its
    spaces, dashes and case: the number is encrypted, found by its keyed hash)."""
    qs = Resident.objects.select_related("station")
    if station_ids is not None:
        qs = qs.filter(station_id__in=list(station_ids))
    search = search.strip()
    if search:
        matches = (
            Q(family_name__icontains=search)
            | Q(given_name__icontains=search)
            | Q(chinese_name__icontains=search)
            | Q(email__icontains=search)
            | Q(phone__icontains=search.replace(" ", ""))
        )
        if digest := crypto.lookup_hash(search):
            matches |= Q(document_number_hash=digest)
        qs = qs.filter(matches)
    return qs


def resident_list_by_document(
    *, station: Station, number: str, document_type: str | None = None
) -> QuerySet[Resident]:
    """The residents of `station` holding the document `number` (of
    `document_type`, when given), compared as crypto.normalize_identifier
    writes it ("e 1234-567" is "E1234567"); none for an empty number.

    Per station and type there is at most one (a unique constraint); without
    a type there may be one per type."""
    digest = crypto.lookup_hash(number)
    if not digest:
        return Resident.objects.none()
    qs = Resident.objects.filter(station_id=station.pk, document_number_hash=digest)
    if document_type is not None:
        qs = qs.filter(document_type=document_type)
    return qs.select_related("station").order_by("pk")


def resident_by_document(
    *, station: Station, number: str, document_type: str | None = None
) -> Resident | None:
    """The resident of `station` holding the document `number` (see
    resident_list_by_document), or None when nobody does or `number` is empty.

    Raises Resident.MultipleObjectsReturned when, without `document_type`,
    residents hold that number on documents of different types: a match by
    number alone would then be a guess (an import should ask for the type)."""
    found = list(
        resident_list_by_document(station=station, number=number, document_type=document_type)[:2]
    )
    if len(found) > 1:
        raise Resident.MultipleObjectsReturned(
            "Residents hold this number on documents of different types; give document_type."
        )
    return found[0] if found else None


def resident_get(*, pk, station_ids: Iterable[int] | None = None) -> Resident:
    """One resident; Http404 alike for a missing id and another station's id."""
    return access_object(
        Resident.objects.select_related("station", "user"), station_ids=station_ids, pk=pk
    )


def consent_list(*, resident: Resident, active_only: bool = False) -> QuerySet[Consent]:
    """The consents of `resident`, newest first."""
    qs = Consent.objects.filter(resident=resident, station_id=resident.station_id)
    if active_only:
        qs = qs.filter(withdrawn_at__isnull=True)
    return qs.order_by("-given_at", "-pk")


# --- The person's own rows, for "My page" and "Download my data" -------------
#
# Everything below filters by the login account (`resident__user=user`), across
# all the person's profiles, so a person sees what every station holds about
# them and nothing of anyone else. Each list is one query however many rows it
# has.

PAST_ROWS_SHOWN = 20


def profiles_of(user) -> QuerySet[Resident]:
    """The person's resident profiles, oldest first, with their station."""
    return (
        Resident.objects.filter(user=user).select_related("station").order_by("registered_at", "pk")
    )


def own_consent_get(*, user, pk) -> Consent:
    """One of the person's consents; Http404 alike for a missing id and
    someone else's."""
    try:
        return (
            Consent.objects.select_related("station", "resident")
            .filter(resident__user=user)
            .get(pk=pk)
        )
    except (Consent.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def own_consents(user) -> QuerySet[Consent]:
    """Every consent the person gave, at every station, newest first."""
    return (
        Consent.objects.filter(resident__user=user)
        .select_related("station")
        .order_by("-given_at", "-pk")
    )


def _own_registrations(user):
    waiting = Registration.Status.WAITLISTED
    # the queue order of events.selectors.waitlist_position, for every row at once
    ahead = (
        Registration.objects.filter(event=OuterRef("event"), status=waiting)
        .filter(
            Q(created_at__lt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
        )
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Registration.objects.filter(resident__user=user)
        .select_related("event__station", "event__category")
        .annotate(
            waiting_ahead=Coalesce(Subquery(ahead, output_field=IntegerField()), 0),
        )
    )


def own_registrations(user, *, upcoming: bool, now=None, limit: int | None = None):
    """The person's event registrations, each with `waitlist_position` (1 for
    the next to be promoted; None when not waiting). Upcoming: events not yet
    ended, soonest first; past: the others, latest first."""
    now = now or timezone.now()
    qs = _own_registrations(user)
    if upcoming:
        qs = qs.filter(event__ends_at__gt=now).order_by("event__starts_at", "pk")
    else:
        qs = qs.filter(event__ends_at__lte=now).order_by("-event__starts_at", "-pk")
    rows = list(qs[:limit] if limit else qs)
    for row in rows:
        row.waitlist_position = (
            row.waiting_ahead + 1 if row.status == row.Status.WAITLISTED else None
        )
    return rows


def own_consultations(user, *, upcoming: bool, now=None, limit: int | None = None):
    """The person's consultations. Upcoming: starting from now, soonest first;
    past: the others, latest first."""
    now = now or timezone.now()
    qs = Consultation.objects.filter(resident__user=user).select_related(
        "topic", "counsellor", "station"
    )
    if upcoming:
        qs = qs.filter(starts_at__gte=now).order_by("starts_at", "pk")
    else:
        qs = qs.filter(starts_at__lt=now).order_by("-starts_at", "-pk")
    return list(qs[:limit] if limit else qs)


def own_signups(user, *, upcoming: bool, now=None, limit: int | None = None):
    """The person's volunteer shift sign-ups. Upcoming: shifts not yet ended,
    soonest first; past: the others, latest first."""
    now = now or timezone.now()
    qs = Signup.objects.filter(volunteer__user=user).select_related("shift__opportunity", "station")
    if upcoming:
        qs = qs.filter(shift__ends_at__gt=now).order_by("shift__starts_at", "pk")
    else:
        qs = qs.filter(shift__ends_at__lte=now).order_by("-shift__starts_at", "-pk")
    return list(qs[:limit] if limit else qs)


def own_hours(user, *, limit: int | None = None):
    """The hours the person logged, latest first."""
    qs = (
        HoursEntry.objects.filter(volunteer__user=user)
        .select_related("opportunity", "station")
        .order_by("-date", "-pk")
    )
    return list(qs[:limit] if limit else qs)


def own_hours_totals(user) -> dict[str, Decimal]:
    """{status: hours} of the person's hours at every station (0 when none)."""
    Status = HoursEntry.Status
    totals = HoursEntry.objects.filter(volunteer__user=user).aggregate(
        **{
            status.value: Sum("hours", filter=Q(status=status.value))
            for status in (Status.PENDING, Status.APPROVED, Status.REJECTED)
        }
    )
    return {status: total or Decimal("0") for status, total in totals.items()}


@dataclass
class MyPage:
    profiles: list[Resident]
    upcoming_registrations: list
    past_registrations: list
    upcoming_consultations: list
    past_consultations: list
    upcoming_signups: list
    past_signups: list
    hours: list
    hours_totals: dict[str, Decimal]
    consents: list[Consent]


def my_page_contents(user, *, past_limit: int = PAST_ROWS_SHOWN) -> MyPage:
    """What "My page" shows, in a fixed number of queries: upcoming rows all,
    past rows the latest `past_limit` of each kind (the download has them all)."""
    now = timezone.now()
    return MyPage(
        profiles=list(profiles_of(user)),
        upcoming_registrations=own_registrations(user, upcoming=True, now=now),
        past_registrations=own_registrations(user, upcoming=False, now=now, limit=past_limit),
        upcoming_consultations=own_consultations(user, upcoming=True, now=now),
        past_consultations=own_consultations(user, upcoming=False, now=now, limit=past_limit),
        upcoming_signups=own_signups(user, upcoming=True, now=now),
        past_signups=own_signups(user, upcoming=False, now=now, limit=past_limit),
        hours=own_hours(user, limit=past_limit),
        hours_totals=own_hours_totals(user),
        consents=list(own_consents(user)),
    )


def _when(value) -> str | None:
    """A date or time as ISO 8601 (times with their offset, in the portal's zone)."""
    if value is None:
        return None
    if hasattr(value, "tzinfo"):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def _station(station) -> dict:
    return {"slug": station.slug, "name": station.name}


def resident_data_export(user) -> dict:
    """Everything the portal holds about the person behind `user`, as plain data
    for a JSON download (their right to access and copy under China's Personal
    Information Protection Law, art. 45).

    It covers the account, every resident profile at every station (identity
    document included: it is theirs), consents, event registrations,
    consultations, shift sign-ups and volunteer hours. Consultations include
    the counsellor's notes: they are information about the person, the law
    makes no exception for them, and staff are told so (docs/accounts.md).
    Left out: the password hash, the self-service tokens of registrations
    (keys, not information about the person) and who among the staff reviewed
    hours (that is the staff member's information). Codes come with their
    label in the current language. A fixed number of queries.
    """
    profiles = list(profiles_of(user))
    consents = list(own_consents(user).order_by("given_at", "pk"))
    registrations = list(
        Registration.objects.filter(resident__user=user)
        .select_related("event__station", "event__category")
        .order_by("created_at", "pk")
    )
    consultations = list(
        Consultation.objects.filter(resident__user=user)
        .select_related("topic", "counsellor", "station")
        .order_by("starts_at", "pk")
    )
    signups = list(
        Signup.objects.filter(volunteer__user=user)
        .select_related("shift__opportunity", "station")
        .order_by("created_at", "pk")
    )
    hours = list(
        HoursEntry.objects.filter(volunteer__user=user)
        .select_related("opportunity", "station")
        .order_by("date", "pk")
    )
    return {
        "exported_at": _when(timezone.now()),
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "preferred_language": user.preferred_language,
            "date_joined": _when(user.date_joined),
            "email_confirmed_at": _when(user.email_confirmed_at),
            "last_login": _when(user.last_login),
        },
        "resident_profiles": [
            {
                "station": _station(p.station),
                "family_name": p.family_name,
                "given_name": p.given_name,
                "chinese_name": p.chinese_name,
                "nationality": {"code": p.nationality.code, "name": str(p.nationality.name)},
                "languages": list(p.languages),
                "preferred_language": p.preferred_language,
                "category": {"code": p.category, "label": str(p.get_category_display())},
                "phone": p.phone,
                "email": p.email,
                "address": p.address,
                "arrival_date": _when(p.arrival_date),
                "identity_document": {
                    "type": p.document_type,
                    "label": str(p.get_document_type_display()) if p.document_type else "",
                    "number": p.document_number,
                    "expires": _when(p.document_expires),
                },
                "registered_at": _when(p.registered_at),
                "updated_at": _when(p.updated_at),
            }
            for p in profiles
        ],
        "consents": [
            {
                "station": _station(c.station),
                "purpose": {"code": c.purpose, "label": str(c.get_purpose_display())},
                "text_version": c.text_version,
                "given_at": _when(c.given_at),
                "withdrawn_at": _when(c.withdrawn_at),
            }
            for c in consents
        ],
        "event_registrations": [
            {
                "station": _station(r.event.station),
                "event": {
                    "title": r.event.title,
                    "category": r.event.category.name,
                    "place": r.event.place,
                    "starts_at": _when(r.event.starts_at),
                    "ends_at": _when(r.event.ends_at),
                },
                "status": {"code": r.status, "label": str(r.get_status_display())},
                "registered_at": _when(r.created_at),
                "cancelled_at": _when(r.cancelled_at),
                "checked_in_at": _when(r.checked_in_at),
            }
            for r in registrations
        ],
        "consultations": [
            {
                "station": _station(c.station),
                "topic": c.topic.name,
                "counsellor": c.counsellor.name if c.counsellor else None,
                "channel": {"code": c.channel, "label": str(c.get_channel_display())},
                "starts_at": _when(c.starts_at),
                "ends_at": _when(c.ends_at),
                "status": {"code": c.status, "label": str(c.get_status_display())},
                "language": c.language,
                "notes": c.notes,
                "booked_at": _when(c.created_at),
            }
            for c in consultations
        ],
        "volunteer_shift_signups": [
            {
                "station": _station(s.station),
                "opportunity": s.shift.opportunity.title,
                "starts_at": _when(s.shift.starts_at),
                "ends_at": _when(s.shift.ends_at),
                "status": {"code": s.status, "label": str(s.get_status_display())},
                "signed_up_at": _when(s.created_at),
            }
            for s in signups
        ],
        "volunteer_hours": [
            {
                "station": _station(h.station),
                "date": _when(h.date),
                "hours": str(h.hours),
                "opportunity": h.opportunity.title if h.opportunity else None,
                "description": h.description,
                "status": {"code": h.status, "label": str(h.get_status_display())},
                "logged_at": _when(h.created_at),
                "reviewed_at": _when(h.reviewed_at),
            }
            for h in hours
        ],
    }
