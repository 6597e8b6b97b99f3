"""Reads of consultations, counsellors and topics.

Station-owned querysets run inside the caller's scope (see stations.tenancy);
the `station` argument narrows them further.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch, QuerySet

from stations.models import Station
from stations.tenancy import access_object

from .models import Consultation, Counsellor, Topic


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
