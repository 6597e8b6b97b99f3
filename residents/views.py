"""My page: what a person did with the stations, their details and language,
their consents, and the download of everything the portal holds about them."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from events.tickets import link_code
from residents.models import Resident
from stations.audit import record_view
from stations.fields import display_phone
from stations.ratelimit import rate_limited
from stations.selectors import station_list_public

from .consent_texts import TEXTS
from .erasure import ErasureRefused, account_erase
from .forms import ConsentForm, DetailsForm
from .selectors import (
    PAST_ROWS_SHOWN,
    my_page_contents,
    own_consent_get,
    own_consents,
    profiles_of,
    resident_data_export,
)
from .services import consent_give_own, consent_withdraw, resident_details_update

login_page = reverse_lazy("accounts:login")


def _safe_next(request: HttpRequest, value: str | None) -> str:
    """`value` when it is a page of this site, "" otherwise."""
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


@login_required(login_url=login_page)
@require_GET
def my_page(request: HttpRequest) -> HttpResponse:
    data = my_page_contents(request.user)
    for registration in data.upcoming_registrations:
        if registration.status != registration.Status.CANCELLED:
            registration.ticket_code = link_code(registration)
    return render(
        request,
        "residents/my_page.html",
        {"data": data, "past_limit": PAST_ROWS_SHOWN},
    )


@login_required(login_url=login_page)
@require_http_methods(["GET", "POST"])
def details(request: HttpRequest) -> HttpResponse:
    """The person's preferred language and contact details, on the account and
    on every profile."""
    profiles = list(profiles_of(request.user))
    latest = max(profiles, key=lambda p: p.updated_at) if profiles else None
    initial = {"preferred_language": request.user.preferred_language}
    if request.method == "POST":
        form = DetailsForm(request.POST, initial=initial, has_profile=bool(profiles))
        if form.is_valid():
            try:
                resident_details_update(
                    user=request.user,
                    actor=request.user,
                    preferred_language=form.cleaned_data["preferred_language"],
                    **form.details(),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                language = form.cleaned_data["preferred_language"]
                with translation.override(language):
                    messages.success(request, _("Your details are saved."))
                    response = redirect("residents:my_page")
                return response
    else:
        if latest is not None:
            initial.update({name: getattr(latest, name) for name in DetailsForm.Meta.fields})
            initial["phone"] = display_phone(latest.phone)
        form = DetailsForm(initial=initial, has_profile=bool(profiles))
    return render(
        request,
        "residents/details.html",
        {"form": form, "profiles": profiles},
        status=400 if form.is_bound else 200,
    )


def _consent_refused(request: HttpRequest, message: str, *, status: int = 400) -> HttpResponse:
    return render(request, "residents/consent_refused.html", {"message": message}, status=status)


@login_required(login_url=login_page)
@require_http_methods(["GET", "POST"])
def give_consent(request: HttpRequest) -> HttpResponse:
    """The consent page other pages send a person to:
    `?purpose=<purpose>&station=<slug>&next=<a page of this site>`.

    GET shows the text of that consent (what is collected, why, whether it is
    sensitive); POST records it, with the version shown, at that station, and
    goes on to `next` (My page when `next` is missing or not a page of this
    site). `station` may be left out by a person with one profile only.
    """
    source = request.POST if request.method == "POST" else request.GET
    purpose = source.get("purpose", "")
    text = TEXTS.get(purpose)
    if text is None:
        return _consent_refused(request, _("This page does not know that kind of consent."))
    profiles = list(profiles_of(request.user))
    if not profiles:
        return _consent_refused(
            request,
            _("Your account has no resident profile yet, so there is nothing to consent to."),
            status=409,
        )
    slug = source.get("station") or (profiles[0].station.slug if len(profiles) == 1 else "")
    station = station_list_public().filter(slug=slug).first() if slug else None
    if station is None:
        return _consent_refused(
            request, _("This station was not found. Go back and try again."), status=404
        )
    next_url = _safe_next(request, source.get("next"))
    refusal: list[str] = []
    status = 200
    if request.method == "POST":
        form = ConsentForm(request.POST)
        status = 400
        if not form.is_valid():
            refusal = [_("Something was missing from the form. Please try again.")]
        else:
            try:
                consent_give_own(
                    user=request.user,
                    station=station,
                    purpose=purpose,
                    text_version=form.cleaned_data["text_version"],
                )
            except ValidationError as error:
                refusal = error.messages
            else:
                messages.success(request, _("Thank you. Your consent is recorded."))
                return redirect(next_url or reverse("residents:my_page"))
    already = (
        own_consents(request.user)
        .filter(
            station=station, purpose=purpose, text_version=text.version, withdrawn_at__isnull=True
        )
        .exists()
    )
    return render(
        request,
        "residents/consent_give.html",
        {
            "text": text,
            "station": station,
            "already": already,
            "next_url": next_url,
            "refusal": refusal,
        },
        status=status,
    )


@login_required(login_url=login_page)
@require_http_methods(["GET", "POST"])
def withdraw_consent(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation, POST withdraws. Someone else's consent answers
    404 like a missing one."""
    consent = own_consent_get(user=request.user, pk=pk)
    if consent.withdrawn_at is not None:
        messages.info(request, _("This consent was already withdrawn."))
        return redirect("residents:my_page")
    if request.method == "POST":
        consent_withdraw(consent=consent, actor=request.user)
        messages.success(request, _("Your consent is withdrawn."))
        return redirect("residents:my_page")
    return render(
        request,
        "residents/consent_withdraw.html",
        {"consent": consent, "text": TEXTS.get(consent.purpose)},
    )


@login_required(login_url=login_page)
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    """Everything the portal holds about the person, as a JSON file."""
    data = resident_data_export(request.user)
    for profile in Resident.objects.with_scopes_disabled().filter(user=request.user):
        record_view(profile, ["all"], action="export")
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"my-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # personal data: never kept by a shared cache or the browser's cache
    response["Cache-Control"] = "no-store"
    return response


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_lazy("Your password"), widget=forms.PasswordInput(attrs={"autocomplete":
                                                                     "current-password"})
    )


@login_required(login_url=login_page)
@require_http_methods(["GET", "POST"])
@rate_limited("account-delete", limit=5, period=300)
def delete_account(request: HttpRequest) -> HttpResponse:
    """The person deletes their account: every profile is anonymised (the
    stations' yearly figures stay), then the account itself is deleted."""
    form = DeleteAccountForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            account_erase(user=request.user, actor=request.user,
                          password=form.cleaned_data["password"])
        except ErasureRefused as exc:
            for field, errors in getattr(exc, "message_dict", {None: exc.messages}).items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            status = 400
        else:
            logout(request)
            return redirect("residents:account_deleted")
    elif request.method == "POST":
        status = 400
    return render(request, "residents/delete_account.html", {"form": form}, status=status)


@require_GET
def account_deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "residents/account_deleted.html")
