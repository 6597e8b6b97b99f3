"""Two-factor log-in for staff and officials (TOTP through django-otp).

Who needs it: anyone who reaches personal data or the yearly summaries, i.e.
the admin (`is_staff`) and the summaries pages (a region membership). They log
in with their password as everyone does; before the admin or the summaries
open, the session must also be verified with a six-digit code from an
authenticator app (`request.user.is_verified()`, set by django-otp's
middleware once `django_otp.login` has run for the session).

- A person without a confirmed device is shown the set-up page: a QR code of
  the `otpauth://` address (and the key, for typing in), and a code to prove
  the app has it; the device is confirmed and the session verified at once.
- A person with a device types the current code.
- django-otp throttles wrong codes per device (doubling delays); the page is
  also rate limited per client address.

Residents never need it: their own data is theirs, behind their password.
"""

from __future__ import annotations

import base64
from functools import wraps

import django_otp
import segno
from django import forms
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from stations.ratelimit import rate_limited

DEVICE_NAME = "authenticator"


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Six-digit code"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={
            "required": _("Type the six-digit code your authenticator app shows."),
            "invalid": _("The code is six digits, without letters."),
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args, device: TOTPDevice, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        allowed, _details = self.device.verify_is_allowed()
        if not allowed or not self.device.verify_token(code):
            raise forms.ValidationError(
                _(
                    "This code is not right, or it has expired. "
                    "Wait for the next code and try again."
                ),
                code="wrong_code",
            )
        return code


def needs_second_factor(user) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_staff or user.is_superuser or user.region_memberships.exists())
    )


def _confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def _new_device(user) -> TOTPDevice:
    """The unconfirmed device being set up, made once and kept until confirmed,
    so reloading the page does not change the QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("admin:index") if request.user.is_staff else reverse("stations:summaries")


@login_required
@rate_limited("two-factor", limit=10, period=60)
def verify(request: HttpRequest) -> HttpResponse:
    """Set up or type the second factor, then go on to `next`."""
    target = _safe_next(request)
    if request.user.is_verified():
        return redirect(target)
    device = _confirmed_device(request.user)
    setting_up = device is None
    if setting_up:
        device = _new_device(request.user)
    form = CodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        if setting_up:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        django_otp.login(request, device)
        return redirect(target)
    context = {"form": form, "next": target, "setting_up": setting_up}
    if setting_up:
        context["qr"] = segno.make(device.config_url, error="m").svg_data_uri(scale=5)
        context["key"] = base64.b32encode(device.bin_key).decode()
    status = 400 if form.is_bound else 200
    return render(request, "accounts/two_factor.html", context, status=status)


def verified_required(view):
    """For pages of staff and officials: log in, then the second factor. A
    person who needs none (a resident) goes on to the view, which answers them
    as it answers anyone without access."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_verified() and needs_second_factor(request.user):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('accounts:two_factor')}?{query}")
        return view(request, *args, **kwargs)

    return wrapped


class PortalAdminSite(admin.AdminSite):
    """The admin opens only to staff whose session passed the second factor.
    A password-only session of staff is sent to the second-factor page."""

    def has_permission(self, request):
        return super().has_permission(request) and request.user.is_verified()

    def login(self, request, extra_context=None):
        user = request.user
        if request.method == "GET" and user.is_authenticated and user.is_staff:
            if not user.is_verified():
                target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
                return redirect(f"{reverse('accounts:two_factor')}?{urlencode({'next': target})}")
        return super().login(request, extra_context)
