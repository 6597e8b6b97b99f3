"""Filter forms of the public station pages (notices, guides).

Choices of stations come from `station_list_public`: a station that is not
active is not offered. A choice names a station by its slug, so a filtered
address reads well and stays stable.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import GuidePage, Notice
from .selectors import station_list_public


class StationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


def station_field() -> StationChoiceField:
    return StationChoiceField(
        queryset=station_list_public(),
        to_field_name="slug",
        required=False,
        label=_("Station"),
        empty_label=_("All stations"),
    )


class NoticeFilterForm(forms.Form):
    station = station_field()
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *Notice.Kind.choices],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = station_list_public()


class GuideFilterForm(forms.Form):
    station = station_field()
    topic = forms.ChoiceField(
        label=_("Topic"),
        required=False,
        choices=[("", _("All topics")), *GuidePage.Topic.choices],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = station_list_public()
