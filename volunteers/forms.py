"""Forms of the public volunteering pages. They parse what the person typed;
the rules (a day's 24 hours, no future dates, the shift's opportunity) are
kept by volunteers.services and the model."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stations.models import Station

from .models import HoursEntry, Opportunity, Shift
from .selectors import (
    opportunity_choices_public,
    opportunity_station_list_public,
    shifts_for_hours,
)


def _hours_limits() -> tuple:
    """The model's bounds of one entry, so that the input offers the same range."""
    validators = HoursEntry._meta.get_field("hours").validators
    low = next(v.limit_value for v in validators if isinstance(v, MinValueValidator))
    high = next(v.limit_value for v in validators if isinstance(v, MaxValueValidator))
    return low, high


class OpportunityFilterForm(forms.Form):
    station = forms.ModelChoiceField(
        queryset=Station.objects.none(),
        to_field_name="slug",
        required=False,
        label=_("Station"),
        empty_label=_("All stations"),
    )
    category = forms.ChoiceField(
        label=_("Kind of work"),
        required=False,
        choices=[("", _("All kinds")), *Opportunity.Category.choices],
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = opportunity_station_list_public()
        self.fields["station"].label_from_instance = lambda station: station.name

    def filters(self) -> dict:
        """The valid filters once validated; a field with an error filters nothing."""
        data = self.cleaned_data if self.is_valid() else {}
        return {"station": data.get("station"), "category": data.get("category") or None}


class DateInput(forms.DateInput):
    """The browser's date picker; it sends ISO dates, which every language accepts."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class OpportunityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Opportunity) -> str:
        return f"{obj.title} · {obj.station.name}"


class ShiftChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Shift) -> str:
        start = timezone.localtime(obj.starts_at)
        return f"{obj.opportunity.title} · {start:%Y-%m-%d %H:%M}"


class HoursForm(forms.Form):
    """Hours a person gave: they wait for the station's approval."""

    date = forms.DateField(
        label=_("Date"),
        widget=DateInput,
        error_messages={"required": _("Enter the day you volunteered.")},
    )
    hours = forms.DecimalField(
        label=_("Hours"),
        decimal_places=2,
        help_text=_("For example 2.5 for two and a half hours."),
    )
    opportunity = OpportunityChoiceField(
        queryset=Opportunity.objects.none(),
        label=_("Opportunity"),
        empty_label=_("Choose the opportunity"),
        error_messages={"required": _("Choose the opportunity you volunteered for.")},
    )
    shift = ShiftChoiceField(
        queryset=Shift.objects.none(),
        label=_("Shift (optional)"),
        required=False,
        empty_label=_("No particular shift"),
    )
    description = forms.CharField(
        label=_("What did you do? (optional)"),
        required=False,
        max_length=HoursEntry._meta.get_field("description").max_length,
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        low, high = _hours_limits()
        hours = self.fields["hours"]
        hours.min_value, hours.max_value = low, high
        hours.validators += [MinValueValidator(low), MaxValueValidator(high)]
        hours.error_messages.update(
            {
                "required": _("Enter how many hours you gave."),
                "min_value": _("Enter at least %(limit_value)s hours."),
                "max_value": _("A day has only %(limit_value)s hours."),
            }
        )
        hours.widget.attrs.update({"min": low, "max": high, "step": "0.25"})
        self.fields["date"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.fields["opportunity"].queryset = opportunity_choices_public()
        self.fields["shift"].queryset = shifts_for_hours(user)
