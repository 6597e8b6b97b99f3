"""Account pages: sign up, confirm the e-mail address, log in and out, reset
the password. The rules are in accounts.services (see docs/accounts.md)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy, translate_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from stations.ratelimit import rate_limited

from .forms import (
    LoginForm,
    PortalPasswordResetForm,
    PortalSetPasswordForm,
    ResendConfirmationForm,
    SignupForm,
    add_service_errors,
)
from .services import (
    LINK_EXPIRED,
    LINK_INVALID,
    account_confirm_email,
    account_resend_confirmation,
    account_sign_up,
)
from .tokens import CONFIRMATION_MAX_AGE, LinkExpired, LinkInvalid, read_confirmation_token

# (attempts, seconds) per client address. Generous enough for a family signing
# up at the station's own computer, low enough to make guessing passwords slow.
SIGNUP_LIMIT = (10, 600)
LOGIN_LIMIT = (10, 60)
RESEND_LIMIT = (5, 600)
PASSWORD_RESET_LIMIT = (5, 600)
SET_PASSWORD_LIMIT = (10, 600)

SIGNED_UP_EMAIL = "accounts:signed-up-email"


def link_base(request: HttpRequest) -> str:
    """This site's address (scheme and host), for links in e-mails."""
    return request.build_absolute_uri("/").rstrip("/")


def safe_next(request: HttpRequest, value: str | None) -> str | None:
    """`value` when it is a page of this site; None otherwise."""
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return None


@rate_limited("signup", limit=SIGNUP_LIMIT[0], period=SIGNUP_LIMIT[1])
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("residents:my_page")
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            try:
                user = account_sign_up(link_base=link_base(request), **form.service_arguments())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                request.session[SIGNED_UP_EMAIL] = user.email
                return redirect("accounts:signup_sent")
    else:
        form = SignupForm(initial={"station": request.GET.get("station", "")})
    return render(
        request,
        "accounts/signup.html",
        {"form": form, "consent_text": form.consent_text},
        status=400 if form.is_bound else 200,
    )


def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/signup_sent.html",
        {
            "email": request.session.get(SIGNED_UP_EMAIL, ""),
            "valid_days": CONFIRMATION_MAX_AGE.days,
        },
    )


def _link_refused(request: HttpRequest, message: str) -> HttpResponse:
    return render(
        request,
        "accounts/confirm_refused.html",
        {"message": message, "form": ResendConfirmationForm()},
        status=400,
    )


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button, POST confirms: mail scanners that open every link in
    an e-mail do not confirm anything on the person's behalf."""
    if request.method == "GET":
        try:
            read_confirmation_token(token)
        except LinkExpired:
            return _link_refused(request, LINK_EXPIRED)
        except LinkInvalid:
            return _link_refused(request, LINK_INVALID)
        return render(request, "accounts/confirm.html")
    try:
        user = account_confirm_email(token=token)
    except ValidationError as error:
        return _link_refused(request, error.messages[0])
    if user.just_confirmed:
        messages.success(request, _("Thank you: your e-mail address is confirmed. Log in now."))
    else:
        messages.info(request, _("Your e-mail address was already confirmed. Log in now."))
    if request.user.is_authenticated:
        return redirect("residents:my_page")
    return redirect("accounts:login")


@rate_limited("resend-confirmation", limit=RESEND_LIMIT[0], period=RESEND_LIMIT[1])
@require_http_methods(["GET", "POST"])
def resend_confirmation(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ResendConfirmationForm(request.POST)
        if form.is_valid():
            account_resend_confirmation(
                email=form.cleaned_data["email"], link_base=link_base(request)
            )
            messages.success(
                request,
                _(
                    "If an account with this address is waiting for confirmation, we have "
                    "sent it a new link. Look in your inbox, and in the spam folder."
                ),
            )
            return redirect("accounts:login")
        status = 400
    else:
        form = ResendConfirmationForm(initial={"email": request.GET.get("email", "")})
        status = 200
    return render(request, "accounts/resend_confirmation.html", {"form": form}, status=status)


class LoginView(auth_views.LoginView):
    """Log-in. The person lands on the page they wanted (a page of this site)
    or their own page, in their preferred language, which the language cookie
    then remembers."""

    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_success_url(self):
        language = self.request.user.preferred_language
        target = safe_next(self.request, self.get_redirect_url())
        if target is None:
            with translation.override(language):
                return reverse("residents:my_page")
        return translate_url(target, language)

    def form_valid(self, form):
        response = super().form_valid(form)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            self.request.user.preferred_language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("stations:home")


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PortalPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choosing a new password from the e-mailed link. A forged, used or expired
    link answers 400 with a way to ask for a new one."""

    form_class = PortalSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def dispatch(self, *args, **kwargs):
        response = super().dispatch(*args, **kwargs)
        # a valid link first redirects to the form, before `validlink` is set
        if not self.validlink and response.status_code == 200:
            response.status_code = 400
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


login = rate_limited("login", limit=LOGIN_LIMIT[0], period=LOGIN_LIMIT[1])(LoginView.as_view())
logout = LogoutView.as_view()
password_reset = rate_limited(
    "password-reset", limit=PASSWORD_RESET_LIMIT[0], period=PASSWORD_RESET_LIMIT[1]
)(PasswordResetView.as_view())
password_reset_done = PasswordResetDoneView.as_view()
password_reset_confirm = rate_limited(
    "set-password", limit=SET_PASSWORD_LIMIT[0], period=SET_PASSWORD_LIMIT[1]
)(PasswordResetConfirmView.as_view())
password_reset_complete = PasswordResetCompleteView.as_view()
