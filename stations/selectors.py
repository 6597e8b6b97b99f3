"""Reads of stations and regions."""

from django.db.models import QuerySet

from .models import Region, Station


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
