"""The public booking pages: pick a topic, see the free slots, book one, and
cancel or move your own booking.

Anyone may read topics and free slots; booking, cancelling and moving need a
login. A slot somebody else took a moment earlier answers 409 with the clear
message and the other free slots. Views parse, call consultations.selectors
and consultations.services, and respond.

The booking page of the signed self-service link (consultations.links) works
without logging in, like an event's ticket: it shows the booking, gives its
calendar file and cancels it. A changed code answers 400, a consultation
that is gone 404 and an expired link 410, as events' ticket does.
"""

from __future__ import annotations

from itertools import groupby
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from residents.models import Consent
from stations.notify import uid_host
from stations.ratelimit import rate_limited

from . import links
from .forms import BookingForm, SlotFilterForm, preferred_language
from .selectors import (
    BOOKING_HORIZON,
    booking_choices,
    consultation_for_link,
    consultation_get_for_user,
    consultation_list_for_user,
    has_health_consent,
    open_slot_list,
    slot_get,
    slot_is_taken,
    topic_get_public,
    topic_list,
)
from .services import (
    OVERLAP_MESSAGE,
    consultation_book,
    consultation_cancel,
    consultation_reschedule,
    error_list,
    is_overlap,
)

# the slot was taken by someone else a moment earlier
CONFLICT = 409
# the person's account cannot book yet (no resident profile)
FORBIDDEN = 403
BAD_INPUT = 400


def _codes(exc: ValidationError) -> set[str]:
    return {e.code for e in error_list(exc) if e.code}


def _add_errors(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.error_list)
        return
    for name, errors in exc.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _status_for(exc: ValidationError) -> int:
    if is_overlap(exc):
        return CONFLICT
    if "no_profile" in _codes(exc):
        return FORBIDDEN
    return BAD_INPUT


def _consent_url(station, next_path: str) -> str:
    """The consent page of the accounts area for health and counselling
    information at `station`, coming back to `next_path` once given."""
    query = urlencode(
        {
            "purpose": Consent.Purpose.HEALTH_COUNSELLING.value,
            "station": station.slug,
            "next": next_path,
        }
    )
    return f"{reverse('residents:give_consent')}?{query}"


def _days(slots) -> list[tuple]:
    """[(local date, [slots of that day])], in order."""
    return [
        (day, list(day_slots))
        for day, day_slots in groupby(slots, key=lambda s: timezone.localdate(s.starts_at))
    ]


def start(request):
    """Step 1: choose a topic."""
    return render(request, "consultations/start.html", {"topics": list(topic_list())})


def _slots_page(request, topic, *, status: int = 200, error=None):
    choices = booking_choices(topic=topic)
    form = SlotFilterForm(request.GET, choices=choices)
    filters = form.filters()
    slots = open_slot_list(topic=topic, **filters)
    carried = {
        "language": filters["language"] or "",
        "station": filters["station"].slug if filters["station"] else "",
    }
    return render(
        request,
        "consultations/slots.html",
        {
            "topic": topic,
            "form": form,
            "days": _days(slots),
            "slot_count": len(slots),
            "filtered": any(carried.values()),
            "filter_query": urlencode({k: v for k, v in carried.items() if v}),
            "horizon_weeks": BOOKING_HORIZON.days // 7,
            "error": error,
        },
        status=status,
    )


def slots(request, topic: str):
    """Step 2: the free slots of a topic, by language and station."""
    return _slots_page(request, topic_get_public(slug=topic))


@login_required
@rate_limited("consultation-book", limit=10, period=60)
def book(request, topic: str, availability: int, start):
    """Step 3: confirm a slot and choose how to meet; POST books it."""
    topic = topic_get_public(slug=topic)
    slot = slot_get(topic=topic, availability_id=availability, starts_at=start)
    if topic.is_sensitive and not has_health_consent(request.user, station=slot.station):
        return redirect(_consent_url(slot.station, request.get_full_path()))
    if request.method != "POST" and slot_is_taken(slot):
        return _slots_page(request, topic, status=CONFLICT, error=OVERLAP_MESSAGE)
    initial = {
        "language": preferred_language(
            slot, wanted=request.GET.get("language"), page=get_language() or ""
        )
    }
    form = BookingForm(request.POST or None, slot=slot, initial=initial)
    status = 200
    if request.method == "POST":
        status = BAD_INPUT
        if form.is_valid():
            try:
                consultation = consultation_book(
                    slot=slot, topic=topic, user=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                if is_overlap(exc):
                    return _slots_page(request, topic, status=CONFLICT, error=OVERLAP_MESSAGE)
                if "sensitive_consent_missing" in _codes(exc):
                    return redirect(_consent_url(slot.station, request.get_full_path()))
                _add_errors(form, exc)
                status = _status_for(exc)
            else:
                messages.success(request, _("Your consultation is booked. We sent you an e-mail."))
                return redirect("consultations:detail", pk=consultation.pk)
    back = reverse("consultations:slots", args=[topic.slug])
    query = request.GET.urlencode()
    return render(
        request,
        "consultations/book.html",
        {
            "topic": topic,
            "slot": slot,
            "form": form,
            "back_url": f"{back}?{query}" if query else back,
        },
        status=status,
    )


@login_required
def mine(request):
    """The person's consultations: upcoming ones to cancel or move, and past ones."""
    return render(
        request,
        "consultations/mine.html",
        {
            "upcoming": list(consultation_list_for_user(request.user, upcoming=True)),
            "past": list(consultation_list_for_user(request.user, upcoming=False)),
        },
    )


def _changeable(consultation) -> bool:
    return consultation.status == consultation.Status.BOOKED and (
        consultation.starts_at > timezone.now()
    )


def _detail_page(request, consultation, *, status: int = 200, error=None):
    return render(
        request,
        "consultations/detail.html",
        {
            "consultation": consultation,
            "changeable": _changeable(consultation),
            "error": error,
        },
        status=status,
    )


@login_required
def detail(request, pk: int):
    """One of the person's own consultations; another person's id answers 404."""
    return _detail_page(request, consultation_get_for_user(request.user, pk=pk))


@login_required
@rate_limited("consultation-change", limit=10, period=60)
def cancel(request, pk: int):
    """GET asks to confirm; POST cancels a future booked consultation."""
    consultation = consultation_get_for_user(request.user, pk=pk)
    if request.method != "POST":
        if not _changeable(consultation):
            return _detail_page(
                request,
                consultation,
                status=CONFLICT,
                error=_("Only a booked consultation that has not started can be cancelled."),
            )
        return render(request, "consultations/cancel.html", {"consultation": consultation})
    try:
        consultation_cancel(consultation=consultation, actor=request.user)
    except ValidationError as exc:
        return _detail_page(request, consultation, status=CONFLICT, error=" ".join(exc.messages))
    messages.success(request, _("Your consultation is cancelled. We sent you an e-mail."))
    return redirect("consultations:mine")


def _reschedule_page(request, consultation, *, status: int = 200, error=None):
    slots = open_slot_list(
        topic=consultation.topic,
        counsellor=consultation.counsellor,
        exclude_consultation=consultation,
    )
    return render(
        request,
        "consultations/reschedule.html",
        {"consultation": consultation, "days": _days(slots), "error": error},
        status=status,
    )


@login_required
def reschedule(request, pk: int):
    """Another free time of the same counsellor and topic."""
    consultation = consultation_get_for_user(request.user, pk=pk)
    if not _changeable(consultation) or consultation.counsellor_id is None:
        return _detail_page(
            request,
            consultation,
            status=CONFLICT,
            error=_("Only a booked consultation that has not started can be moved."),
        )
    return _reschedule_page(request, consultation)


@login_required
@rate_limited("consultation-change", limit=10, period=60)
def reschedule_confirm(request, pk: int, availability: int, start):
    """Confirm the new time and how to meet; POST moves the booking."""
    consultation = consultation_get_for_user(request.user, pk=pk)
    if not _changeable(consultation) or consultation.counsellor_id is None:
        return _detail_page(
            request,
            consultation,
            status=CONFLICT,
            error=_("Only a booked consultation that has not started can be moved."),
        )
    slot = slot_get(topic=consultation.topic, availability_id=availability, starts_at=start)
    if slot.counsellor.pk != consultation.counsellor_id:
        return _reschedule_page(
            request,
            consultation,
            status=BAD_INPUT,
            error=_("Choose another time with the same counsellor."),
        )
    if request.method != "POST" and slot_is_taken(slot, exclude_consultation=consultation):
        return _reschedule_page(request, consultation, status=CONFLICT, error=OVERLAP_MESSAGE)
    initial = {"channel": consultation.channel, "language": consultation.language}
    form = BookingForm(request.POST or None, slot=slot, initial=initial)
    del form.fields["language"]
    status = 200
    if request.method == "POST":
        status = BAD_INPUT
        if form.is_valid():
            try:
                moved = consultation_reschedule(
                    consultation=consultation,
                    slot=slot,
                    channel=form.cleaned_data["channel"],
                    actor=request.user,
                )
            except ValidationError as exc:
                if is_overlap(exc):
                    return _reschedule_page(
                        request, consultation, status=CONFLICT, error=OVERLAP_MESSAGE
                    )
                _add_errors(form, exc)
                status = _status_for(exc)
            else:
                messages.success(
                    request, _("Your consultation has a new time. We sent you an e-mail.")
                )
                return redirect("consultations:detail", pk=moved.pk)
    return render(
        request,
        "consultations/reschedule_confirm.html",
        {"consultation": consultation, "slot": slot, "form": form},
        status=status,
    )


# --- The booking page of the signed link (no login needed) -------------------

# the link was changed or cut short, the consultation is gone, the link expired
LINK_INVALID = 400
LINK_UNKNOWN = 404
LINK_EXPIRED = 410


def _private(response):
    """The page's address is a key: keep it out of caches (never_cache on the
    views), search engines and the Referer header sent to other sites."""
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _link_problem(request, problem: str, status: int):
    return _private(
        render(request, "consultations/booking.html", {"problem": problem}, status=status)
    )


def _consultation_from_link(request, code: str):
    """(consultation, None) for a valid self-service link, or (None, the page
    that says what is wrong with it)."""
    try:
        pk = links.consultation_id_from_code(code)
    except links.LinkInvalid:
        return None, _link_problem(request, "invalid", LINK_INVALID)
    consultation = consultation_for_link(pk=pk)
    if consultation is None:
        return None, _link_problem(request, "unknown", LINK_UNKNOWN)
    if links.link_expired(consultation):
        return None, _link_problem(request, "expired", LINK_EXPIRED)
    return consultation, None


@never_cache
def booking(request, code: str):
    """When, where and with whom; the calendar file; cancelling while it is
    booked and has not started. Never the consultation's notes."""
    consultation, problem = _consultation_from_link(request, code)
    if problem is not None:
        return problem
    detail_path = reverse("consultations:detail", args=[consultation.pk])
    context = {
        "consultation": consultation,
        "code": code,
        "changeable": _changeable(consultation),
        "login_url": f"{reverse('accounts:login')}?{urlencode({'next': detail_path})}",
    }
    return _private(render(request, "consultations/booking.html", context))


@never_cache
@rate_limited("consultation-link-cancel", limit=10, period=60)
def booking_cancel(request, code: str):
    """GET asks to confirm; POST cancels the consultation of a signed link."""
    consultation, problem = _consultation_from_link(request, code)
    if problem is not None:
        return problem
    booking_url = reverse("consultations:booking", args=[code])
    if consultation.status == consultation.Status.CANCELLED:
        messages.info(request, _("This consultation is already cancelled."))
        return redirect(booking_url)
    errors = []
    if request.method == "POST":
        try:
            # The link stands for the resident: their account, when they have
            # one, is who cancelled.
            consultation_cancel(consultation=consultation, actor=consultation.resident.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("Your consultation is cancelled. We sent you an e-mail."))
            return redirect(booking_url)
    elif not _changeable(consultation):
        errors = [_("Only a booked consultation that has not started can be cancelled.")]
    context = {
        "consultation": consultation,
        "code": code,
        "changeable": _changeable(consultation),
        "errors": errors,
    }
    response = render(
        request, "consultations/booking_cancel.html", context, status=CONFLICT if errors else 200
    )
    return _private(response)


@never_cache
def booking_ics(request, code: str):
    """The consultation as an iCalendar file, in the page's language; a
    cancelled one is marked so, for calendar programs to remove it."""
    consultation, problem = _consultation_from_link(request, code)
    if problem is not None:
        return problem
    body = links.calendar_file(
        consultation,
        # the same UID as the file attached to the e-mails
        uid_host=uid_host(),
        url=request.build_absolute_uri(reverse("consultations:booking", args=[code])),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="consultation-{consultation.pk}.ics"'
    return _private(response)
