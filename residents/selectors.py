"""Reads on residents and consents.

`station_ids` None means no station restriction (a superuser or city-wide code
that opened its own scope); otherwise only those stations' rows are returned,
behind the scope that the entry point opened.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from stations.tenancy import access_object

from .models import Consent, Resident


def resident_list(
    *, station_ids: Iterable[int] | None = None, search: str = ""
) -> QuerySet[Resident]:
    """Residents, with their station loaded; `search` matches names, e-mail,
    phone and document number."""
    qs = Resident.objects.select_related("station")
    if station_ids is not None:
        qs = qs.filter(station_id__in=list(station_ids))
    search = search.strip()
    if search:
        qs = qs.filter(
            Q(family_name__icontains=search)
            | Q(given_name__icontains=search)
            | Q(chinese_name__icontains=search)
            | Q(email__icontains=search)
            | Q(phone__icontains=search.replace(" ", ""))
            | Q(document_number__iexact=search)
        )
    return qs


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
