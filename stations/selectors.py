"""Reads of stations and regions, and the station pages of the public site."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import GuidePage, Notice, Partner, Region, Station
from .tenancy import public


def station_list_public() -> QuerySet[Station]:
    """Active stations for the public directory, with their whole region chain
    (the tree is at most four levels deep, so one join chain fetches it)."""
    return (
        Station.objects.filter(is_active=True)
        .select_related("region__parent__parent__parent")
        .order_by("slug")
    )


def region_at_level(region: Region, level: str) -> Region | None:
    node = region
    while node is not None:
        if node.level == level:
            return node
        node = node.parent
    return None


def stations_by_district(stations) -> list[tuple[Region | None, list[Station]]]:
    """Group stations under their district, districts in code order."""
    groups: dict[int | None, tuple[Region | None, list[Station]]] = {}
    for station in stations:
        district = region_at_level(station.region, Region.Level.DISTRICT)
        key = district.pk if district else None
        groups.setdefault(key, (district, []))[1].append(station)
    return sorted(groups.values(), key=lambda g: (g[0] is None, g[0].code if g[0] else ""))


# --- the public site ---------------------------------------------------------
# Public reads go through `public()` (city-wide, outside the station scope) and
# always keep to what is public: active stations, published rows.


def station_get_public(*, slug: str) -> Station:
    """An active station with its region chain; Http404 for an unknown or
    inactive one."""
    return get_object_or_404(station_list_public(), slug=slug)


def partner_list_public(*, station: Station) -> QuerySet[Partner]:
    return public(Partner).filter(station=station).order_by("kind", "pk")


def opportunity_list_public(*, station: Station) -> QuerySet:
    """The station's published volunteer opportunities."""
    from volunteers.models import Opportunity

    return public(Opportunity).filter(station=station, is_published=True).order_by("pk")


def notice_list_public(
    *, station: Station | None = None, kind: str | None = None, pinned_first: bool = False
) -> QuerySet[Notice]:
    """Published notices of active stations, newest first (pinned ones first
    when asked: a station's own page). A notice scheduled for later is not
    published yet."""
    qs = public(Notice).filter(
        published_at__lte=timezone.now(), station__is_active=True
    ).select_related("station")
    if station is not None:
        qs = qs.filter(station=station)
    if kind:
        qs = qs.filter(kind=kind)
    order = ["-published_at", "-pk"]
    return qs.order_by("-is_pinned", *order) if pinned_first else qs.order_by(*order)


def notice_get_public(*, pk) -> Notice:
    """One published notice; Http404 alike for a draft, a scheduled notice,
    an inactive station's and a missing one."""
    return get_object_or_404(notice_list_public(), pk=pk)


def guide_list_public(
    *, station: Station | None = None, topic: str | None = None
) -> QuerySet[GuidePage]:
    """Published guide pages of active stations, by topic, most recently
    updated first within a topic."""
    qs = public(GuidePage).filter(is_published=True, station__is_active=True).select_related(
        "station"
    )
    if station is not None:
        qs = qs.filter(station=station)
    if topic:
        qs = qs.filter(topic=topic)
    return qs.order_by("topic", "-updated_at", "pk")


def guide_get_public(*, station_slug: str, slug: str) -> GuidePage:
    """One published guide page; Http404 alike for an unpublished page, an
    inactive station's and a missing one."""
    return get_object_or_404(guide_list_public(), station__slug=station_slug, slug=slug)


def guides_by_topic(guides) -> list[tuple[str, list[GuidePage]]]:
    """[(topic label, pages)] in the order of the topics' choices, topics
    without pages left out."""
    groups: dict[str, list[GuidePage]] = {}
    for guide in guides:
        groups.setdefault(guide.topic, []).append(guide)
    return [
        (label, groups[value]) for value, label in GuidePage.Topic.choices if value in groups
    ]
