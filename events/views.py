"""The public event pages: list, detail, registration in one step, the ticket
and cancellation from the signed link of the confirmation e-mail, and
calendar files.

Views parse, call a selector or a service and respond; the rules (places,
waiting list, registration window, who is told what) live in
events.services. A refusal is shown on the page it came from, in the
person's language, with a 4xx status and nothing written.

The online link of an event is shown to confirmed registrants only (on the
event page when logged in, on their ticket, in their confirmation e-mail):
the station decides who joins, as for a room.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from residents.models import Resident
from stations.notify import uid_host
from stations.pagecache import cache_for_visitors
from stations.ratelimit import rate_limited
from stations.selectors import station_get_public

from . import calendar, tickets
from .forms import EventFilterForm
from .models import Registration
from .selectors import (
    WINDOW_CLOSED,
    WINDOW_NOT_OPEN,
    WINDOW_OPEN,
    event_get_public,
    event_list_public,
    registration_for_ticket,
    registration_of_user,
    registration_window,
)
from .services import registration_cancel_public, registration_create_public

PER_PAGE = 20
CONFIRMED = Registration.Status.CONFIRMED
WAITLISTED = Registration.Status.WAITLISTED
CANCELLED = Registration.Status.CANCELLED


def _login_url() -> str:
    return reverse("accounts:login")


@cache_for_visitors
def event_list(request):
    """Upcoming events, filtered by station, category, dates and free places.

    Queries: the filter choices (stations, categories), the count and one page
    of events with their places, whatever the number of events."""
    form = EventFilterForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    events = event_list_public(**(form.filters() if form.is_bound else {}))
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    filtered = form.is_bound and any(
        request.GET.get(name) for name in form.fields if name != "page"
    )
    return render(
        request,
        "events/event_list.html",
        {"form": form, "page": page, "filtered": filtered},
        status=200 if valid else 400,
    )


def _detail(request, event, *, errors=(), status: int = 200):
    registration = registration_of_user(event=event, user=request.user)
    confirmed = registration is not None and registration.status == CONFIRMED
    context = {
        "event": event,
        "window": registration_window(event),
        "WINDOW_OPEN": WINDOW_OPEN,
        "WINDOW_NOT_OPEN": WINDOW_NOT_OPEN,
        "WINDOW_CLOSED": WINDOW_CLOSED,
        "registration": registration,
        "ticket_url": tickets.ticket_path(registration, language=get_language())
        if registration is not None
        else "",
        "online_url": event.online_url if confirmed else "",
        "login_url": f"{_login_url()}?{urlencode({'next': request.path})}",
        "errors": errors,
    }
    return render(request, "events/event_detail.html", context, status=status)


@cache_for_visitors
def event_detail(request, pk: int):
    return _detail(request, event_get_public(pk=pk))


@require_POST
@rate_limited("event-register", limit=10, period=60)
def event_register(request, pk: int):
    """Register the logged-in person in one step. Anonymous visitors are sent
    to log in and back to the event's page (the registration is a POST, so
    returning to this address would not do)."""
    event = event_get_public(pk=pk)
    detail_url = reverse("events:detail", args=[event.pk])
    if not request.user.is_authenticated:
        return redirect_to_login(detail_url, _login_url())
    try:
        registration = registration_create_public(event=event, user=request.user)
    except Resident.DoesNotExist:
        return _detail(
            request,
            event,
            errors=[
                _(
                    "Your account has no resident profile yet, so it cannot register. "
                    "Please contact the station."
                )
            ],
            status=409,
        )
    except ValidationError as exc:
        return _detail(request, event, errors=exc.messages, status=409)
    if registration.status == CONFIRMED:
        messages.success(
            request,
            _("You are registered for %(event)s. We have sent you a confirmation by e-mail.")
            % {"event": event.title},
        )
    else:
        messages.warning(
            request,
            _(
                "%(event)s is full. You are on the waiting list, position %(position)d. "
                "We will write to you if a place becomes free."
            )
            % {"event": event.title, "position": registration.position},
        )
    return redirect(detail_url)


def _link_problem(request, problem: str, status: int):
    response = render(request, "events/link_problem.html", {"problem": problem}, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


def _registration_from_link(request, code: str):
    """(registration, None) for a valid self-service link, or (None, the page
    that says what is wrong with it)."""
    try:
        token = tickets.token_from_code(code)
    except tickets.LinkInvalid:
        return None, _link_problem(request, "invalid", 400)
    registration = registration_for_ticket(token=token)
    if registration is None:
        return None, _link_problem(request, "unknown", 404)
    if tickets.link_expired(registration.event):
        return None, _link_problem(request, "expired", 410)
    return registration, None


def _private(response):
    """The page's address is a key: keep it out of caches, search engines and
    the Referer header sent to other sites (an online meeting's, for one)."""
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
def ticket(request, code: str):
    registration, problem = _registration_from_link(request, code)
    if problem is not None:
        return problem
    confirmed = registration.status == CONFIRMED
    context = {
        "registration": registration,
        "event": registration.event,
        "code": code,
        "qr": tickets.qr_svg(registration, title=_("Check-in code")) if confirmed else "",
        "online_url": registration.event.online_url if confirmed else "",
        "can_cancel": registration.status != CANCELLED and not registration.event.has_ended,
    }
    return _private(render(request, "events/ticket.html", context))


@never_cache
@rate_limited("event-cancel", limit=10, period=60)
def cancel(request, code: str):
    """Ask, then cancel the registration of a signed link (POST)."""
    registration, problem = _registration_from_link(request, code)
    if problem is not None:
        return problem
    ticket_url = reverse("events:ticket", args=[code])
    if registration.status == CANCELLED:
        messages.info(request, _("This registration is already cancelled."))
        return redirect(ticket_url)
    errors = []
    if request.method == "POST":
        try:
            registration_cancel_public(registration=registration)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request,
                _("Your registration for %(event)s is cancelled.")
                % {"event": registration.event.title},
            )
            return redirect(ticket_url)
    context = {"registration": registration, "event": registration.event, "code": code,
               "errors": errors}
    response = render(request, "events/cancel.html", context, status=409 if errors else 200)
    return _private(response)


def _calendar_response(request, events, *, filename: str, name: str = "") -> HttpResponse:
    body = calendar.calendar(
        events,
        url_for=lambda event: request.build_absolute_uri(
            reverse("events:detail", args=[event.pk])
        ),
        # the same UID as the file attached to the e-mails, so that a calendar
        # holding both keeps one entry
        uid_host=uid_host(),
        name=name,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def event_ics(request, pk: int):
    """The event as an iCalendar file, in the page's language."""
    event = event_get_public(pk=pk)
    return _calendar_response(request, [event], filename=f"event-{event.pk}.ics")


def station_calendar(request, slug: str):
    """A station's upcoming published events as a calendar feed to subscribe to."""
    station = station_get_public(slug=slug)
    return _calendar_response(
        request,
        event_list_public(station=station),
        filename=f"{station.slug}.ics",
        name=_("%(station)s: events") % {"station": station.name},
    )
