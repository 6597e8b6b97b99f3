"""Forms of "My page": the person's own details, and consents."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Resident


class DetailsForm(forms.ModelForm):
    """The preferred language and the contact details the person may change
    themselves. Without a resident profile only the language is asked."""

    preferred_language = forms.ChoiceField(
        label=_("Language for the site and our e-mails"),
        choices=settings.LANGUAGES,
        widget=forms.RadioSelect,
    )

    field_order = ["preferred_language"]

    class Meta:
        model = Resident
        fields = [
            "family_name",
            "given_name",
            "chinese_name",
            "phone",
            "email",
            "languages",
            "address",
        ]
        labels = {"email": _("E-mail for the station")}
        help_texts = {
            "phone": _("International format, e.g. +86 138 0000 0000."),
            "email": _(
                "Where the station writes to you. Your log-in address does not change here."
            ),
        }
        widgets = {
            "family_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "given_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "address": forms.TextInput(attrs={"autocomplete": "street-address"}),
            "languages": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, has_profile: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_profile:
            for name in self.Meta.fields:
                del self.fields[name]

    def details(self) -> dict:
        """The profile details to save (empty without a profile)."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}


class ConsentForm(forms.Form):
    """What the consent page posts besides its address (purpose, station and
    next, parsed by the view as for the page itself): the version of the text
    the person was shown."""

    text_version = forms.CharField(max_length=20)
