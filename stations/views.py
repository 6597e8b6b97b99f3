"""The public station pages: the directory, a page per station, and the
notices and guide pages stations publish.

Each page runs a fixed number of queries whatever the number of rows: lists
load their station with the rows, and the station page reads each kind of
row once.
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from events.selectors import event_list_public

from .forms import GuideFilterForm, NoticeFilterForm
from .pagecache import cache_for_visitors
from .selectors import (
    guide_get_public,
    guide_list_public,
    guides_by_topic,
    notice_get_public,
    notice_list_public,
    opportunity_list_public,
    partner_list_public,
    station_get_public,
    station_list_public,
    stations_by_district,
)

NOTICES_PER_PAGE = 20
EVENTS_ON_STATION_PAGE = 6
NOTICES_ON_STATION_PAGE = 5


@cache_for_visitors
def home(request):
    """The public directory: active stations grouped by district.

    A fixed number of queries whatever the number of stations: one for the
    stations with their region chain (see station_list_public)."""
    stations = list(station_list_public())
    districts = [
        {
            "district": district,
            "anchor": f"district-{district.code}" if district else "city-wide",
            "stations": members,
        }
        for district, members in stations_by_district(stations)
    ]
    return render(
        request,
        "stations/home.html",
        {"districts": districts, "station_count": len(stations)},
    )


@cache_for_visitors
def station_detail(request, slug: str):
    """A station's page: how to reach it, its partners, its upcoming events,
    volunteer opportunities, latest notices and guide pages."""
    station = station_get_public(slug=slug)
    context = {
        "station": station,
        "partners": list(partner_list_public(station=station)),
        "events": list(event_list_public(station=station)[:EVENTS_ON_STATION_PAGE]),
        "opportunities": list(opportunity_list_public(station=station)),
        "notices": list(
            notice_list_public(station=station, pinned_first=True)[:NOTICES_ON_STATION_PAGE]
        ),
        "guide_groups": guides_by_topic(guide_list_public(station=station)),
    }
    return render(request, "stations/station_detail.html", context)


def _filtered(request, form_class):
    """(form, filters, status) of a list page's GET filters: a field with an
    error filters nothing, and the page answers 400 with the error shown."""
    form = form_class(request.GET or None)
    if not form.is_bound:
        return form, {}, 200
    valid = form.is_valid()
    return form, form.cleaned_data, 200 if valid else 400


@cache_for_visitors
def notice_list(request):
    """Notices of every station, newest first, by station and kind; paginated."""
    form, filters, status = _filtered(request, NoticeFilterForm)
    notices = notice_list_public(station=filters.get("station"), kind=filters.get("kind"))
    page = Paginator(notices, NOTICES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "stations/notice_list.html", {"form": form, "page": page}, status=status)


@cache_for_visitors
def notice_detail(request, pk: int):
    return render(request, "stations/notice_detail.html", {"notice": notice_get_public(pk=pk)})


@cache_for_visitors
def guide_list(request):
    """The city-wide handbook: every station's published guide pages by topic."""
    form, filters, status = _filtered(request, GuideFilterForm)
    guides = guide_list_public(station=filters.get("station"), topic=filters.get("topic"))
    return render(
        request,
        "stations/guide_list.html",
        {"form": form, "groups": guides_by_topic(guides)},
        status=status,
    )


@cache_for_visitors
def guide_detail(request, station: str, slug: str):
    guide = guide_get_public(station_slug=station, slug=slug)
    return render(request, "stations/guide_detail.html", {"guide": guide})


def ping(request):
    """Liveness: answers "ok" without touching the database. Outside the
    language prefix; also the benchmark's baseline of a trivial Django view
    (scripts/bench.py)."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@never_cache
def healthz(request):
    """Readiness, for the load balancer and monitoring: the database answers
    a query and the broker accepts a connection, each within its timeout.
    200 with {"database": "ok", "broker": "ok"}, or 503 naming what failed
    (never the error's text: it may hold a host or a user name)."""
    from django.db import connection

    from config.celery import app

    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - reported as the answer
        checks["database"] = "unavailable"
    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception:  # noqa: BLE001 - reported as the answer
        checks["broker"] = "unavailable"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(checks, status=200 if healthy else 503)


@never_cache
def switch_language(request, code: str):
    """The language switcher's link: remember `code` in the language cookie
    (it decides where the bare address "/" goes) and go to `next`, the page the
    person was reading, already translated by the link. A `next` that is not a
    page of this site goes to the home page in that language.

    A GET that only sets a display preference: nothing a forged link could
    abuse beyond what a link to /en/ already does.
    """
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "")
    if not (
        target.startswith("/")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        target = f"/{code}/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
