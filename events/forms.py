"""The filter form of the public event list."""

from django import forms
from django.utils.translation import gettext_lazy as _

from stations.forms import station_field
from stations.selectors import station_list_public

from .models import EventCategory


class DateInput(forms.DateInput):
    """The browser's date picker; it sends ISO dates, which every language accepts."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class EventFilterForm(forms.Form):
    station = station_field()
    category = forms.ModelChoiceField(
        queryset=EventCategory.objects.none(),
        to_field_name="slug",
        required=False,
        label=_("Category"),
        empty_label=_("All categories"),
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput)
    has_places = forms.BooleanField(label=_("Only events with places left"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = station_list_public()
        self.fields["category"].queryset = EventCategory.objects.all()

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date must be on or after the start date."))
        return data

    def filters(self) -> dict:
        """The valid filters, for `event_list_public`, once the form has been
        validated; a field with an error filters nothing."""
        data = self.cleaned_data
        return {
            "station": data.get("station"),
            "category": data.get("category"),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "has_places": bool(data.get("has_places")),
        }
