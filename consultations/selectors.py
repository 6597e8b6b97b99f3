"""Reads of consultations, counsellors and topics.

Station-owned querysets run inside the caller's scope (see stations.tenancy);
the `station` argument narrows them further.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from residents.models import Consent
from stations.languages import SPOKEN_LANGUAGES
from stations.models import Station, StationMembership
from stations.tenancy import access_object, public, user_station_roles

from .models import Availability, Consultation, Counsellor, Topic


def topic_list() -> QuerySet[Topic]:
    return Topic.objects.order_by("ordering", "slug")


def counsellor_list(
    *, station: Station, topic: Topic | None = None, active_only: bool = True
) -> QuerySet[Counsellor]:
    """A station's counsellors with their topics (one extra query for all topics)."""
    qs = Counsellor.objects.filter(station=station).prefetch_related(
        Prefetch("topics", queryset=topic_list())
    )
    if active_only:
        qs = qs.filter(is_active=True)
    if topic is not None:
        qs = qs.filter(topics=topic)
    return qs.order_by("name")


def consultation_list(
    *,
    station: Station,
    counsellor: Counsellor | None = None,
    starts_from: datetime | None = None,
    starts_before: datetime | None = None,
) -> QuerySet[Consultation]:
    """A station's consultations, newest first, with what a list shows."""
    qs = Consultation.objects.filter(station=station).select_related(
        "resident", "topic", "counsellor"
    )
    if counsellor is not None:
        qs = qs.filter(counsellor=counsellor)
    if starts_from is not None:
        qs = qs.filter(starts_at__gte=starts_from)
    if starts_before is not None:
        qs = qs.filter(starts_at__lt=starts_before)
    return qs.order_by("-starts_at")


def consultation_get(*, station: Station, pk) -> Consultation:
    """One consultation of `station`; 404 alike for a missing one and another
    station's."""
    qs = Consultation.objects.select_related("resident", "topic", "counsellor")
    return access_object(qs, station_ids=[station.pk], pk=pk)


def counsellor_get(*, station: Station, pk) -> Counsellor:
    return access_object(Counsellor.objects.all(), station_ids=[station.pk], pk=pk)


def counsellors_schedulable_by(user, qs: QuerySet[Counsellor]) -> QuerySet[Counsellor]:
    """The counsellors of `qs` whose availability `user` may publish (the
    rule is consultations.services.may_schedule_for)."""
    if user.is_superuser:
        return qs
    roles = user_station_roles(user)
    own_only = [sid for sid, role in roles.items() if role == StationMembership.Role.COUNSELLOR]
    everyone = [sid for sid in roles if sid not in own_only]
    return qs.filter(Q(station_id__in=everyone) | Q(station_id__in=own_only, user=user))


# --- Availability and open slots (the public booking pages) -----------------

# How far ahead the public site offers slots: bounds the work of one page.
BOOKING_HORIZON = timedelta(weeks=8)
ACTIVE_STATUSES = [str(s) for s in Consultation.ACTIVE_STATUSES]


@dataclass(frozen=True)
class Slot:
    """One bookable time of a counsellor: a whole slot of an availability window."""

    availability: Availability
    starts_at: datetime
    ends_at: datetime

    @property
    def counsellor(self) -> Counsellor:
        return self.availability.counsellor

    @property
    def station(self) -> Station:
        return self.availability.station

    @property
    def channels(self) -> list[str]:
        return list(self.availability.channels)

    def channel_choices(self) -> list[tuple[str, str]]:
        offered = set(self.availability.channels)
        return [(value, label) for value, label in Consultation.Channel.choices if value in offered]

    @property
    def key(self) -> str:
        """The slot's start as the booking pages' addresses carry it."""
        return format_slot_time(self.starts_at)


SLOT_TIME_FORMAT = "%Y%m%dT%H%MZ"


def format_slot_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(SLOT_TIME_FORMAT)


def parse_slot_time(value: str) -> datetime:
    """A slot start written by format_slot_time; ValueError for anything else."""
    return datetime.strptime(value, SLOT_TIME_FORMAT).replace(tzinfo=UTC)


def _offers_topic(topic: Topic) -> Q:
    """Availability rows whose counsellor handles `topic` and whose window
    offers it (a window without topics of its own offers all the counsellor's)."""
    counsellor_topics = Counsellor.topics.through.objects.filter(
        counsellor_id=OuterRef("counsellor_id"), topic_id=topic.pk
    )
    window_topics = Availability.topics.through.objects.filter(availability_id=OuterRef("pk"))
    return Q(Exists(counsellor_topics)) & (
        ~Q(Exists(window_topics)) | Q(Exists(window_topics.filter(topic_id=topic.pk)))
    )


def _bookable_availability(
    *, topic: Topic, now: datetime, until: datetime
) -> QuerySet[Availability]:
    # City-wide: the public site offers every active station's counsellors.
    return (
        public(Availability)
        .filter(
            _offers_topic(topic),
            counsellor__is_active=True,
            station__is_active=True,
            ends_at__gt=now,
            starts_at__lt=until,
        )
        .select_related("counsellor", "station")
    )


def _busy_times(
    counsellor_ids: Iterable[int],
    *,
    start: datetime,
    end: datetime,
    exclude_pk: int | None = None,
) -> dict[int, list[tuple[datetime, datetime]]]:
    """{counsellor id: [(start, end), ...]} of active consultations in
    [start, end). Reads only times, city-wide: a slot is hidden whoever booked it."""
    qs = Consultation.objects.with_scopes_disabled().filter(
        counsellor_id__in=list(counsellor_ids),
        status__in=ACTIVE_STATUSES,
        starts_at__lt=end,
        ends_at__gt=start,
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    busy: dict[int, list[tuple[datetime, datetime]]] = {}
    for counsellor_id, starts_at, ends_at in qs.values_list(
        "counsellor_id", "starts_at", "ends_at"
    ):
        busy.setdefault(counsellor_id, []).append((starts_at, ends_at))
    return busy


def _overlaps(start: datetime, end: datetime, busy: list[tuple[datetime, datetime]]) -> bool:
    return any(b_start < end and start < b_end for b_start, b_end in busy)


def _free_slots(
    windows: list[Availability], *, now: datetime, exclude_pk: int | None = None
) -> list[Slot]:
    if not windows:
        return []
    busy = _busy_times(
        {w.counsellor_id for w in windows},
        start=min(w.starts_at for w in windows),
        end=max(w.ends_at for w in windows),
        exclude_pk=exclude_pk,
    )
    slots: dict[tuple[int, datetime], Slot] = {}
    for window in windows:
        taken = busy.get(window.counsellor_id, [])
        for start in window.slot_starts():
            end = start + window.slot_length
            if start <= now or _overlaps(start, end, taken):
                continue
            slots.setdefault((window.counsellor_id, start), Slot(window, start, end))
    return sorted(slots.values(), key=lambda s: (s.starts_at, s.counsellor.name, s.counsellor.pk))


def open_slot_list(
    *,
    topic: Topic,
    language: str | None = None,
    station: Station | None = None,
    counsellor: Counsellor | None = None,
    exclude_consultation: Consultation | None = None,
    now: datetime | None = None,
) -> list[Slot]:
    """The free future slots for `topic`, soonest first.

    Slots of active counsellors of active stations who handle the topic (and,
    with `language`, speak it), within BOOKING_HORIZON, minus every slot that
    overlaps an active (booked or completed) consultation of that counsellor.
    `exclude_consultation` is not counted as busy (its own time when it is
    being moved). Two queries, however many slots.
    """
    now = now or timezone.now()
    qs = _bookable_availability(topic=topic, now=now, until=now + BOOKING_HORIZON)
    if language:
        qs = qs.filter(counsellor__languages__contains=[language])
    if station is not None:
        qs = qs.filter(station=station)
    if counsellor is not None:
        qs = qs.filter(counsellor=counsellor)
    exclude_pk = exclude_consultation.pk if exclude_consultation is not None else None
    slots = _free_slots(list(qs), now=now, exclude_pk=exclude_pk)
    if exclude_consultation is not None:
        slots = [s for s in slots if s.starts_at != exclude_consultation.starts_at]
    return slots


@dataclass(frozen=True)
class BookingChoices:
    """What the slot filters offer for a topic: stations and languages that
    have some future availability."""

    stations: list[Station]
    languages: list[tuple[str, str]]


def booking_choices(*, topic: Topic, now: datetime | None = None) -> BookingChoices:
    """One query: the stations and languages worth offering as filters."""
    now = now or timezone.now()
    windows = _bookable_availability(topic=topic, now=now, until=now + BOOKING_HORIZON)
    stations: dict[int, Station] = {}
    spoken: set[str] = set()
    for window in windows:
        stations.setdefault(window.station_id, window.station)
        spoken.update(window.counsellor.languages)
    return BookingChoices(
        stations=sorted(stations.values(), key=lambda s: s.slug),
        languages=[(code, label) for code, label in SPOKEN_LANGUAGES if code in spoken],
    )


def slot_get(
    *, topic: Topic, availability_id: int, starts_at: datetime, now: datetime | None = None
) -> Slot:
    """The slot of availability `availability_id` starting at `starts_at`.

    Http404 unless the window offers `topic` now (active counsellor and
    station), a whole slot starts there and it lies in the future and within
    BOOKING_HORIZON. Whether someone booked it meanwhile is `slot_is_taken`.
    """
    now = now or timezone.now()
    window = (
        _bookable_availability(topic=topic, now=now, until=now + BOOKING_HORIZON)
        .filter(pk=availability_id)
        .first()
    )
    if window is None or not window.is_slot_start(starts_at) or starts_at <= now:
        raise Http404
    if starts_at >= now + BOOKING_HORIZON:
        raise Http404
    return Slot(window, starts_at, starts_at + window.slot_length)


def slot_is_taken(slot: Slot, *, exclude_consultation: Consultation | None = None) -> bool:
    """Whether an active consultation of the slot's counsellor overlaps it."""
    exclude_pk = exclude_consultation.pk if exclude_consultation is not None else None
    busy = _busy_times(
        [slot.counsellor.pk], start=slot.starts_at, end=slot.ends_at, exclude_pk=exclude_pk
    )
    return bool(busy)


def topic_get_public(*, slug: str) -> Topic:
    try:
        return topic_list().get(slug=slug)
    except Topic.DoesNotExist as exc:
        raise Http404 from exc


# --- A resident's own consultations ------------------------------------------


def consultation_list_for_user(user, *, upcoming: bool | None = None) -> QuerySet[Consultation]:
    """The consultations of every resident profile of `user`, with what a list
    shows. Runs inside the request's scope, which holds those profiles' stations."""
    qs = Consultation.objects.filter(resident__user=user).select_related(
        "topic", "counsellor", "station"
    )
    if upcoming is True:
        qs = qs.filter(ends_at__gt=timezone.now()).order_by("starts_at")
    elif upcoming is False:
        qs = qs.filter(ends_at__lte=timezone.now()).order_by("-starts_at")
    return qs


def consultation_get_for_user(user, *, pk) -> Consultation:
    """One consultation of `user`'s own profiles; Http404 alike for a missing
    one and another person's."""
    qs = consultation_list_for_user(user).select_related("resident")
    try:
        return qs.get(pk=pk)
    except (Consultation.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def consultation_for_link(*, pk: int) -> Consultation | None:
    """The consultation a signed self-service link names, with its station,
    topic, counsellor and resident, or None.

    City-wide on purpose: the person holding the link is usually not logged
    in, and the id (checked by its signature first, see consultations.links)
    is what entitles them to this one consultation.
    """
    return (
        public(Consultation)
        .filter(pk=pk)
        .select_related("station", "topic", "counsellor", "resident")
        .first()
    )


def has_health_consent(user, *, station: Station) -> bool:
    """Whether `user`'s profile at `station` has an active consent to health
    and counselling information (needed to book a sensitive topic)."""
    return Consent.objects.filter(
        resident__user=user,
        station=station,
        purpose=Consent.Purpose.HEALTH_COUNSELLING,
        withdrawn_at__isnull=True,
    ).exists()


def may_read_notes(user, consultation: Consultation | None) -> bool:
    """Consultation notes are read by the consultation's own counsellor only
    (least privilege: other staff, managers and superusers included, see that
    it took place, not what was said). With no consultation (a new one), by
    anyone with a counsellor profile."""
    if user is None or not user.is_authenticated:
        return False
    if consultation is None:
        return Counsellor.objects.with_scopes_disabled().filter(user=user).exists()
    counsellor_user = (
        Counsellor.objects.with_scopes_disabled()
        .filter(pk=consultation.counsellor_id)
        .values_list("user_id", flat=True)
        .first()
    )
    return counsellor_user is not None and counsellor_user == user.pk
