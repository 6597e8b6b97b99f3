"""The public volunteering pages: opportunities with their shifts and free
places, signing up and withdrawing, and logging the hours one gave.

Anyone may read opportunities; signing up, withdrawing and logging hours need
a login. A full shift, a shift that has started and a second sign-up answer
409 with the reason on the opportunity's page; bad hours answer 400 with the
reason next to the field. Views parse, call volunteers.selectors and
volunteers.services, and respond.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from stations.ratelimit import rate_limited

from .forms import HoursForm, OpportunityFilterForm
from .selectors import (
    opportunity_get_public,
    opportunity_list_public,
    shift_get_public,
    signup_get_for_user,
    signup_list_for_user,
    signups_by_shift,
    volunteer_hours_summary,
)
from .services import hours_entry_create_own, signup_create_own, signup_withdraw_own

CONFLICT = 409
FORBIDDEN = 403
BAD_INPUT = 400

# The services speak of "this volunteer" to staff; on the public site the
# person reads about themselves.
OWN_MESSAGES = {
    "duplicate": _("You have already signed up for this shift."),
}


def _codes(exc: ValidationError) -> set[str]:
    if hasattr(exc, "error_dict"):
        return {e.code for errors in exc.error_dict.values() for e in errors if e.code}
    return {e.code for e in exc.error_list if e.code}


def _reason(exc: ValidationError) -> str:
    for code, message in OWN_MESSAGES.items():
        if code in _codes(exc):
            return str(message)
    return " ".join(exc.messages)


def _status_for(exc: ValidationError, *, otherwise: int) -> int:
    return FORBIDDEN if "no_profile" in _codes(exc) else otherwise


def opportunity_list(request):
    """Published opportunities with their upcoming shifts and free places."""
    form = OpportunityFilterForm(request.GET)
    opportunities = list(opportunity_list_public(**form.filters()))
    return render(
        request,
        "volunteers/list.html",
        {"form": form, "opportunities": opportunities, "filtered": bool(request.GET)},
    )


def _opportunity_page(request, opportunity, *, status: int = 200, error=None, error_shift=None):
    shifts = opportunity.upcoming_shifts
    mine = signups_by_shift(request.user, shifts)
    return render(
        request,
        "volunteers/opportunity.html",
        {
            "opportunity": opportunity,
            "rows": [(shift, mine.get(shift.pk)) for shift in shifts],
            "error": error,
            "error_shift": error_shift,
        },
        status=status,
    )


def opportunity(request, pk: int):
    return _opportunity_page(request, opportunity_get_public(pk=pk))


@require_POST
@rate_limited("volunteer-signup", limit=10, period=60)
def signup(request, pk: int):
    """Sign the person up for a shift of a published opportunity."""
    shift = shift_get_public(pk=pk)
    page = reverse("volunteers:opportunity", args=[shift.opportunity_id])
    if not request.user.is_authenticated:
        return redirect_to_login(page)
    try:
        signup_create_own(shift=shift, user=request.user)
    except ValidationError as exc:
        return _opportunity_page(
            request,
            opportunity_get_public(pk=shift.opportunity_id),
            status=_status_for(exc, otherwise=CONFLICT),
            error=_reason(exc),
            error_shift=shift.pk,
        )
    messages.success(request, _("You are signed up for this shift. Thank you!"))
    return redirect(page)


def _mine_page(request, *, form=None, status: int = 200, error=None):
    return render(
        request,
        "volunteers/hours.html",
        {
            "form": form or HoursForm(user=request.user, initial={"date": timezone.localdate()}),
            "summary": volunteer_hours_summary(request.user),
            "signups": list(signup_list_for_user(request.user, upcoming=True)),
            "error": error,
        },
        status=status,
    )


@require_POST
@rate_limited("volunteer-signup", limit=10, period=60)
def withdraw(request, pk: int):
    """Withdraw the person's own sign-up; another person's id answers 404."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("volunteers:hours"))
    signup = signup_get_for_user(request.user, pk=pk)
    try:
        signup_withdraw_own(signup=signup, user=request.user)
    except ValidationError as exc:
        return _mine_page(request, status=CONFLICT, error=_reason(exc))
    messages.success(request, _("You have withdrawn from this shift; the place is free again."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("volunteers:hours")
    return redirect(back)


@login_required
@rate_limited("volunteer-hours", limit=10, period=60)
def hours(request):
    """The person's volunteering: upcoming shifts, hours (approved total and
    pending entries), and the form to log hours (POST)."""
    if request.method != "POST":
        return _mine_page(request)
    form = HoursForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            hours_entry_create_own(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.error_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, exc.error_list)
            return _mine_page(request, form=form, status=_status_for(exc, otherwise=BAD_INPUT))
        messages.success(
            request, _("Your hours are logged. They count once the station approves them.")
        )
        return redirect("volunteers:hours")
    return _mine_page(request, form=form, status=BAD_INPUT)
