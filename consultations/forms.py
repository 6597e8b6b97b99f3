"""Forms of the public booking pages. They parse what the person chose; the
rules (a channel the window offers, a language the counsellor speaks, a free
slot) are checked by consultations.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from stations.languages import SPOKEN_LANGUAGES

from .selectors import BookingChoices, Slot


class SlotFilterForm(forms.Form):
    """The language and station filters of a topic's slots (GET)."""

    language = forms.ChoiceField(label=_("Language"), required=False)
    station = forms.ChoiceField(label=_("Station"), required=False)

    def __init__(self, *args, choices: BookingChoices, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Any language")), *choices.languages]
        self.fields["station"].choices = [
            ("", _("All stations")),
            *((s.slug, s.name) for s in choices.stations),
        ]
        self._stations = {s.slug: s for s in choices.stations}

    def filters(self) -> dict:
        """The valid filters once validated; a field with an error filters nothing."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "language": data.get("language") or None,
            "station": self._stations.get(data.get("station") or ""),
        }


class BookingForm(forms.Form):
    """How the consultation is held: a channel the slot's window offers and,
    optionally, a language the counsellor speaks."""

    channel = forms.ChoiceField(
        label=_("How would you like to meet?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how you would like to meet."),
            "invalid_choice": _("Choose one of the ways this counsellor offers."),
        },
    )
    language = forms.ChoiceField(
        label=_("Language of the consultation"),
        required=False,
        help_text=_("The counsellor speaks these languages."),
        error_messages={"invalid_choice": _("Choose a language the counsellor speaks.")},
    )

    def __init__(self, *args, slot: Slot, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = slot.channel_choices()
        spoken = set(slot.counsellor.languages)
        self.fields["language"].choices = [
            ("", _("No preference")),
            *((code, label) for code, label in SPOKEN_LANGUAGES if code in spoken),
        ]
        if len(self.fields["channel"].choices) == 1 and not self.is_bound:
            self.initial.setdefault("channel", self.fields["channel"].choices[0][0])


def preferred_language(slot: Slot, *, wanted: str | None, page: str) -> str:
    """The language to suggest for a booking: the one the person filtered by,
    else the page's language, when the counsellor speaks it; "" otherwise."""
    offered = slot.counsellor.languages
    page_code = "zh" if page.startswith("zh") else page
    for code in [wanted or "", page_code]:
        if code and code in offered:
            return code
    return ""
