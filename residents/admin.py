"""Staff admin for residents and their consents.

Saving goes through `residents.services`: the admin parses the form, calls the
service and reports. Consents are never edited in place: a consent is given
(with the version of the text shown) or withdrawn, so the history stays.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries.filters import CountryFilter

from stations import crypto
from stations.adminbase import (
    AddThenShowMixin,
    RecordsSensitiveViewsMixin,
    StationScopedAdmin,
    StationScopedInline,
    TimestampListFilter,
    adopt,
    form_values,
)
from stations.exports import EXPORT_ACTIONS
from stations.spreadsheets import SpreadsheetImportAdminMixin

from .imports import RESIDENTS
from .models import Consent, Resident
from .services import consent_give, consent_withdraw, resident_create, resident_update


class ConsentInlineForm(forms.ModelForm):
    """A new row gives a consent; an active row can only be withdrawn."""

    withdraw = forms.BooleanField(label=_("withdraw"), required=False)

    class Meta:
        model = Consent
        fields = ["purpose", "text_version"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["purpose"].disabled = True
            self.fields["text_version"].disabled = True
            self.fields["withdraw"].disabled = self.instance.withdrawn_at is not None
        else:
            self.fields["withdraw"].disabled = True


class ConsentInline(StationScopedInline):
    model = Consent
    form = ConsentInlineForm
    fields = ["purpose", "text_version", "given_at", "withdrawn_at", "withdraw"]
    readonly_fields = ["given_at", "withdrawn_at"]
    extra = 0
    # a consent record is evidence; it is withdrawn, never deleted
    can_delete = False


class ResidentForm(forms.ModelForm):
    def _get_validation_exclusions(self):
        # The document is unique per station and type through its keyed hash,
        # which is no form field (Resident.clean computes it), and the station
        # is read-only on the change page: without both the form would skip
        # the constraint and leave it to the database.
        exclude = super()._get_validation_exclusions()
        exclude.discard("document_number_hash")
        if self.instance.station_id is not None:
            exclude.discard("station")
        return exclude


@admin.register(Resident)
class ResidentAdmin(SpreadsheetImportAdminMixin, RecordsSensitiveViewsMixin, StationScopedAdmin):
    sensitive_fields = ("document_number", "document_expires")
    # import and export of spreadsheets (docs/import-export.md)
    spreadsheet_importer = RESIDENTS
    actions = [*EXPORT_ACTIONS]

    form = ResidentForm

    list_display = [
        "name",
        "chinese_name",
        "nationality",
        "category",
        "station",
        "arrival_date",
        "document_expires",
    ]
    list_select_related = ["station"]
    list_filter = [
        "station",
        "category",
        ("nationality", CountryFilter),
        "preferred_language",
    ]
    search_fields = [
        "family_name",
        "given_name",
        "chinese_name",
        "email",
        "phone",
    ]
    date_hierarchy = "registered_at"
    inlines = [ConsentInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "station",
                    ("family_name", "given_name"),
                    "chinese_name",
                    ("nationality", "category"),
                    ("languages", "preferred_language"),
                ]
            },
        ),
        (_("Contact"), {"fields": [("phone", "email"), "address", "user"]}),
        (
            _("Residence and documents"),
            {
                "fields": [
                    "arrival_date",
                    ("document_type", "document_number", "document_expires"),
                ]
            },
        ),
        (_("Record"), {"fields": [("registered_at", "updated_at")]}),
    ]
    raw_id_fields = ["user"]

    @admin.display(description=_("name"), ordering="family_name")
    def name(self, obj: Resident) -> str:
        return " ".join(p for p in (obj.given_name, obj.family_name) if p)

    def get_search_results(self, request, queryset, search_term):
        """`search_fields`, or the whole search text as a document number
        (encrypted: found by its keyed hash, whatever its spaces and case)."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if digest := crypto.lookup_hash(search_term):
            results |= queryset.filter(document_number_hash=digest)
        return results, may_have_duplicates

    def get_readonly_fields(self, request, obj=None):
        readonly = ["registered_at", "updated_at"]
        if obj is not None:
            # its registrations and consents belong to this station
            readonly.insert(0, "station")
        return readonly

    def save_model(self, request, obj, form, change):
        self.check_can_save(request, obj, change)
        values = form_values(form)
        if change:
            resident_update(resident=obj, actor=request.user, **values)
        else:
            adopt(obj, resident_create(station=obj.station, actor=request.user, **values))

    def save_formset(self, request, form, formset, change):
        if formset.model is not Consent:
            return super().save_formset(request, form, formset, change)
        resident = form.instance
        given, withdrawn = [], []
        for row in formset.forms:
            if not row.has_changed() or not hasattr(row, "cleaned_data"):
                continue
            if row.instance.pk is None:
                given.append(
                    consent_give(
                        resident=resident,
                        purpose=row.cleaned_data["purpose"],
                        text_version=row.cleaned_data["text_version"],
                        actor=request.user,
                    )
                )
            elif row.cleaned_data.get("withdraw"):
                withdrawn.append(consent_withdraw(consent=row.instance, actor=request.user))
        # read by the admin's change message for the history page
        formset.new_objects = given
        formset.changed_objects = [(c, ["withdrawn_at"]) for c in withdrawn]
        formset.deleted_objects = []


class ActiveConsentFilter(TimestampListFilter):
    title = _("active")
    parameter_name = "active"
    field = "withdrawn_at"
    yes_when_empty = True
    yes_label = _("Active")
    no_label = _("Withdrawn")


@admin.register(Consent)
class ConsentAdmin(AddThenShowMixin, StationScopedAdmin):
    """Consents are given on the add page and withdrawn with the list action;
    an existing consent is shown, not edited."""

    list_display = ["resident", "purpose", "text_version", "given_at", "withdrawn_at", "station"]
    list_select_related = ["resident", "station"]
    list_filter = ["purpose", ActiveConsentFilter, "station"]
    search_fields = [
        "resident__family_name",
        "resident__given_name",
        "resident__chinese_name",
        "text_version",
    ]
    date_hierarchy = "given_at"
    autocomplete_fields = ["resident"]
    actions = ["withdraw_selected"]
    add_fields = ["resident", "purpose", "text_version"]
    fields = ["resident", "purpose", "text_version", "given_at", "withdrawn_at", "station"]

    def save_model(self, request, obj, form, change):
        if change:
            return
        obj.station_id = obj.resident.station_id
        self.check_can_save(request, obj, change)
        existing = Consent.objects.filter(
            resident=obj.resident,
            purpose=obj.purpose,
            text_version=obj.text_version,
            withdrawn_at__isnull=True,
        ).exists()
        adopt(
            obj,
            consent_give(
                resident=obj.resident,
                purpose=obj.purpose,
                text_version=obj.text_version,
                actor=request.user,
            ),
        )
        if existing:
            messages.info(
                request,
                _("%(resident)s had already given this consent; it is kept as it was.")
                % {"resident": obj.resident},
            )

    @admin.action(description=_("Withdraw selected consents"), permissions=["change"])
    def withdraw_selected(self, request, queryset):
        self.run_row_action(
            request,
            queryset.filter(withdrawn_at__isnull=True),
            service=lambda consent: consent_withdraw(consent=consent, actor=request.user),
            done_message=lambda count: ngettext(
                "%(count)d consent was withdrawn.", "%(count)d consents were withdrawn.", count
            )
            % {"count": count},
        )
