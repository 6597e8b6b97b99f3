"""Forms of the account pages. They parse and check what was typed; the
writes and their rules are in accounts.services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from residents.consent_texts import current
from residents.models import Consent, Resident
from stations.selectors import station_list_public, stations_by_district

from .services import (
    account_check_new,
    account_send_password_reset,
    awaiting_confirmation,
    password_errors,
)
from .services import display_name as account_display_name

UNCONFIRMED = _(
    "Your e-mail address is not confirmed yet. Open the link in the e-mail we sent you, "
    "or ask for a new one."
)


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal next to the fields it names, the rest on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def language_choices() -> list[tuple[str, str]]:
    return [(code, name) for code, name in settings.LANGUAGES]


def station_choices() -> tuple[list, dict]:
    """(choices grouped by district, {slug: station}) of the stations a person
    can join; one query."""
    stations = list(station_list_public())
    groups = []
    for district, members in stations_by_district(stations):
        label = district.name if district else _("City-wide")
        groups.append((label, [(s.slug, s.name) for s in members]))
    return groups, {s.slug: s for s in stations}


PASSWORD_HELP = _("At least 8 characters; not only digits, and not a common password.")


class SignupForm(forms.ModelForm):
    """Sign-up: the account, the person's profile at one station, and the
    consent to the processing of their personal information. The identity
    document is not asked for here."""

    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("You log in with it, and we send a link to it to confirm it is yours."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=PASSWORD_HELP,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    preferred_language = forms.ChoiceField(
        label=_("Language for the site and our e-mails"),
        choices=language_choices,
        widget=forms.RadioSelect,
    )
    station = forms.ChoiceField(
        label=_("Your station"),
        help_text=_("The station near where you live. You can also take part at other stations."),
    )
    consent = forms.BooleanField(
        label=_("I have read what is collected and why, and I agree."),
        error_messages={
            "required": _("Without your consent we cannot keep your information. Tick the box.")
        },
    )
    consent_version = forms.CharField(widget=forms.HiddenInput)

    field_order = [
        "email",
        "password",
        "password_again",
        "family_name",
        "given_name",
        "chinese_name",
        "nationality",
        "category",
        "languages",
        "phone",
        "preferred_language",
        "station",
        "consent",
    ]

    class Meta:
        model = Resident
        fields = [
            "family_name",
            "given_name",
            "chinese_name",
            "nationality",
            "category",
            "languages",
            "phone",
        ]
        labels = {
            "given_name": _("Given name (optional)"),
            "chinese_name": _("Chinese name (optional)"),
            "phone": _("Phone (optional)"),
            "languages": _("Languages you speak (optional)"),
        }
        help_texts = {
            "phone": _("International format, e.g. +86 138 0000 0000."),
            "languages": _("Helps the station find someone who speaks with you."),
        }
        widgets = {
            "family_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "given_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "languages": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.consent_text = current(Consent.Purpose.PERSONAL_DATA)
        self.fields["consent_version"].initial = self.consent_text.version
        groups, self.stations = station_choices()
        self.fields["station"].choices = [("", _("Choose a station"))] + groups
        self.fields["nationality"].choices = [("", _("Choose a country or region"))] + list(
            countries
        )
        self.fields["preferred_language"].initial = translation.get_language()

    def clean_station(self):
        station = self.stations.get(self.cleaned_data["station"])
        if station is None:
            raise ValidationError(_("Choose one of the stations in the list."))
        return station

    def clean(self):
        cleaned = super().clean()
        password, again = cleaned.get("password"), cleaned.get("password_again")
        if password and again and password != again:
            self.add_error("password_again", _("The two passwords differ. Type them again."))
        if cleaned.get("email") and password:
            full_name = account_display_name(
                family_name=cleaned.get("family_name") or "",
                given_name=cleaned.get("given_name") or "",
                chinese_name=cleaned.get("chinese_name") or "",
            )
            try:
                account_check_new(email=cleaned["email"], password=password, full_name=full_name)
            except ValidationError as error:
                add_service_errors(self, error)
        return cleaned

    def service_arguments(self) -> dict:
        """The cleaned data as accounts.services.account_sign_up takes it."""
        data = self.cleaned_data
        return {
            "email": data["email"],
            "password": data["password"],
            "station": data["station"],
            "preferred_language": data["preferred_language"],
            "consent_version": data["consent_version"],
            **{name: data[name] for name in self.Meta.fields},
        }


class LoginForm(AuthenticationForm):
    """Log-in by e-mail. A correct password for an account still awaiting
    confirmation gets its own message (only then: a wrong password never says
    whether the address has an account)."""

    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The e-mail address or the password is not right. Check both and try again."
        ),
        "unconfirmed": UNCONFIRMED,
    }

    unconfirmed = False

    def get_invalid_login_error(self):
        email = self.cleaned_data.get("username") or ""
        password = self.cleaned_data.get("password") or ""
        waiting = awaiting_confirmation().filter(email__iexact=email).first()
        if waiting is not None and waiting.check_password(password):
            self.unconfirmed = True
            return ValidationError(self.error_messages["unconfirmed"], code="unconfirmed")
        return super().get_invalid_login_error()


class ResendConfirmationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class PortalPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending its e-mail through the portal's messages in
    the account's language, with a link in that language."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        user = context["user"]
        with translation.override(user.preferred_language):
            path = reverse(
                "accounts:password_reset_confirm",
                kwargs={"uidb64": context["uid"], "token": context["token"]},
            )
        link = f"{context['protocol']}://{context['domain']}{path}"
        account_send_password_reset(user=user, link=link)


class PortalSetPasswordForm(SetPasswordForm):
    """Django's new-password form, with the password rules in one plain sentence."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = PASSWORD_HELP

    def validate_password_for_user(self, user, password_field_name="password2"):
        password = self.cleaned_data.get(password_field_name)
        if password:
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                self.add_error(password_field_name, password_errors(error))
