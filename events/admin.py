"""Staff admin for events and registrations.

Every write goes through `events.services`, so places and the waiting list
work the same here as on the public site: adding a registration (on its own
page or on the event page) confirms it or puts it on the waiting list, and the
list actions check people in or cancel them, moving the waiting list up.
Registrations are not edited in place: their status changes only by those
actions.

Each event also has a check-in desk (`admin/events/event/<id>/check-in/`) for
the door: a field a QR scanner types the ticket's code into, and a name search
with a check-in button per person. Both go through `registration_check_in`.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from stations.adminbase import (
    AddThenShowMixin,
    CatalogueAdmin,
    StationScopedAdmin,
    StationScopedInline,
    StationScopedReadOnlyInline,
    StationScopedTranslationAdmin,
    TimestampListFilter,
    adopt,
    form_values,
)
from stations.exports import EXPORT_ACTIONS
from stations.roles import role_allows
from stations.tenancy import access_object, user_station_roles

from .models import Event, EventCategory, Registration
from .selectors import (
    registration_by_token,
    registration_list,
    registration_search,
    waitlist_position,
    with_places,
)
from .services import (
    event_cancel,
    event_create,
    event_delete,
    event_update,
    registration_cancel,
    registration_check,
    registration_check_in,
    registration_create,
    registration_delete,
)


def report_promoted(request, promoted: list[Registration]) -> None:
    for registration in promoted:
        messages.info(
            request,
            _("%(resident)s moved up from the waiting list and is now confirmed for %(event)s.")
            % {"resident": registration.resident, "event": registration.event},
        )


def report_waitlisted(request, registration: Registration) -> None:
    if registration.status == Registration.Status.WAITLISTED:
        messages.warning(
            request,
            _("%(event)s is full: %(resident)s is on the waiting list, position %(position)d.")
            % {
                "event": registration.event,
                "resident": registration.resident,
                "position": waitlist_position(registration),
            },
        )


def may_check_in(request, event: Event) -> bool:
    """Checking someone in changes their registration: the person's role at
    the event's station must allow changing registrations."""
    user = request.user
    if not (user.is_active and user.is_staff):
        return False
    return user.is_superuser or role_allows(
        user_station_roles(user), Registration._meta.label_lower, "change", event.station_id
    )


def _clock(moment) -> str:
    """HH:MM in the station's time zone, with the date when it is not today."""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return date_format(local, "H:i")
    return date_format(local, "Y-m-d H:i")


def report_check_in(request, registration: Registration) -> None:
    """Check `registration` in and tell the person at the desk what happened."""
    name = registration.resident.display_name
    asked_at = timezone.now()
    try:
        registration = registration_check_in(registration=registration, actor=request.user)
    except ValidationError as exc:
        messages.error(
            request,
            _("%(name)s is not checked in: %(reason)s")
            % {"name": name, "reason": " ".join(exc.messages)},
        )
        return
    # the service keeps the first time; an earlier time means a second scan
    if registration.checked_in_at < asked_at:
        messages.warning(
            request,
            _("%(name)s was already checked in at %(time)s.")
            % {"name": name, "time": _clock(registration.checked_in_at)},
        )
    else:
        messages.success(request, _("%(name)s is checked in.") % {"name": name})


# a name search at the door shows this many people at most
SEARCH_LIMIT = 50

TOKEN_NOT_FOUND = _(
    "No registration for this event has this code. Check that the ticket is for this event."
)


@admin.register(EventCategory)
class EventCategoryAdmin(CatalogueAdmin):
    list_display = ["name", "slug", "ordering"]
    search_fields = ["name_zh_hans", "name_en", "slug"]


class RegistrationAddForm(forms.ModelForm):
    """Shows a refusal of `registration_create` next to the fields; the
    service decides again, under the event lock, when the form is saved.

    The admin builds the fields (inside the request's scope), so this class
    names none: a foreign-key choice built at import time would query outside
    any scope.
    """

    def clean(self):
        data = super().clean()
        event, resident = data.get("event"), data.get("resident")
        if event is not None and resident is not None:
            try:
                registration_check(event=event, resident=resident)
            except ValidationError as exc:
                for field, errors in exc.update_error_dict({}).items():
                    self.add_error(field if field in self.fields else NON_FIELD_ERRORS, errors)
        return data


class RegistrationInline(StationScopedReadOnlyInline):
    """The event's registrations in queue order, read-only: status changes go
    through the registration list's actions."""

    model = Registration
    fields = ["resident", "status", "created_at", "checked_in_at"]
    readonly_fields = fields
    ordering = ["created_at", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("resident", "event", "station")


class NewRegistrationFormSet(BaseInlineFormSet):
    def get_queryset(self):
        return self.model._default_manager.none()


class NewRegistrationInline(StationScopedInline):
    """Blank rows to register residents for the event on its own page."""

    model = Registration
    form = RegistrationAddForm
    formset = NewRegistrationFormSet
    fields = ["resident"]
    autocomplete_fields = ["resident"]
    extra = 1
    can_delete = False
    verbose_name = _("new registration")
    verbose_name_plural = _("new registrations")


class CalledOffFilter(TimestampListFilter):
    title = _("called off")
    parameter_name = "called_off"
    field = "cancelled_at"


@admin.register(Event)
class EventAdmin(StationScopedTranslationAdmin):
    list_display = [
        "title",
        "category",
        "starts_at",
        "capacity",
        "confirmed",
        "waitlisted",
        "is_published",
        "called_off",
    ]
    list_select_related = ["category", "station"]
    list_filter = ["station", "category", "is_published", CalledOffFilter]
    actions = ["call_off_selected"]
    search_fields = ["title_zh_hans", "title_en", "place_zh_hans", "place_en"]
    date_hierarchy = "starts_at"
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("station", "category"),
                    ("title_zh_hans", "title_en"),
                    ("description_zh_hans", "description_en"),
                    ("place_zh_hans", "place_en"),
                    "online_url",
                ]
            },
        ),
        (_("Time"), {"fields": [("starts_at", "ends_at")]}),
        (
            _("Registration"),
            {
                "fields": [
                    ("registration_opens_at", "registration_closes_at"),
                    ("capacity", "is_published"),
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return with_places(super().get_queryset(request))

    @admin.display(description=_("called off"), boolean=True, ordering="cancelled_at")
    def called_off(self, obj: Event) -> bool:
        return obj.cancelled_at is not None

    @admin.action(description=_("Call off selected events"), permissions=["change"])
    def call_off_selected(self, request, queryset):
        self.run_row_action(
            request,
            Event.objects.filter(pk__in=queryset.values("pk")),
            service=lambda event: event_cancel(event=event, actor=request.user),
            done_message=lambda count: ngettext(
                "%(count)d event was called off; its registrants are being told.",
                "%(count)d events were called off; their registrants are being told.",
                count,
            )
            % {"count": count},
        )

    @admin.display(description=_("confirmed"), ordering="places_taken")
    def confirmed(self, obj: Event) -> int:
        return obj.places_taken

    @admin.display(description=_("waiting list"), ordering="waitlist_count")
    def waitlisted(self, obj: Event) -> int:
        return obj.waitlist_count

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        user = request.user
        if not (
            user.is_superuser
            or role_allows(user_station_roles(user), Registration._meta.label_lower, "change")
        ):
            return columns

        # built per request: the link depends on the person's role at each row's station
        @admin.display(description=_("check-in"))
        def check_in_desk(obj: Event) -> str:
            if not may_check_in(request, obj):
                return "-"
            return format_html('<a href="{}">{}</a>', self.check_in_url(obj), _("Check-in desk"))

        return [*columns, check_in_desk]

    def get_readonly_fields(self, request, obj=None):
        # its registrations belong to this station
        return ["station"] if obj is not None else []

    # --- the check-in desk ----------------------------------------------------------------

    def get_urls(self):
        opts = self.opts
        desk = path(
            "<path:object_id>/check-in/",
            self.admin_site.admin_view(self.check_in_view),
            name=f"{opts.app_label}_{opts.model_name}_check_in",
        )
        return [desk, *super().get_urls()]

    def check_in_url(self, event: Event, query: str = "") -> str:
        opts = self.opts
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_check_in",
            args=[event.pk],
            current_app=self.admin_site.name,
        )
        return f"{url}?{urlencode({'q': query})}" if query else url

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk and may_check_in(request, obj):
            context["check_in_url"] = self.check_in_url(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def check_in_view(self, request, object_id):
        """One event's desk at the door. Another station's event answers 404
        like a missing one; a role that may not change registrations, 403."""
        event = access_object(
            self.get_queryset(request).annotate(
                checked_in_count=Count(
                    "registrations", filter=Q(registrations__checked_in_at__isnull=False)
                )
            ),
            station_ids=self.station_ids(request),
            pk=object_id,
        )
        if not may_check_in(request, event):
            raise PermissionDenied
        if request.method == "POST":
            self._check_in_posted(request, event)
            return redirect(self.check_in_url(event, request.POST.get("q", "").strip()))
        query = request.GET.get("q", "").strip()
        results = []
        if query:
            results = list(registration_search(event=event, query=query)[: SEARCH_LIMIT + 1])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Check-in desk"),
            "subtitle": str(event),
            "event": event,
            "query": query,
            "results": results[:SEARCH_LIMIT],
            "more_results": len(results) > SEARCH_LIMIT,
            "search_limit": SEARCH_LIMIT,
            "change_url": reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=[event.pk],
                current_app=self.admin_site.name,
            ),
        }
        return TemplateResponse(request, "admin/events/event/check_in.html", context)

    def _check_in_posted(self, request, event: Event) -> None:
        if "registration" in request.POST:
            # a button of the name search's results
            try:
                pk = int(request.POST["registration"])
            except ValueError:
                pk = None
            registration = (
                registration_list(event=event).filter(pk=pk).first() if pk is not None else None
            )
            if registration is None:
                messages.error(request, _("This registration was not found for this event."))
                return
        else:
            token = request.POST.get("token", "").strip()
            if not token:
                messages.error(request, _("Scan the code on the ticket, or type it."))
                return
            registration = registration_by_token(event=event, token=token)
            if registration is None:
                messages.error(request, TOKEN_NOT_FOUND)
                return
        report_check_in(request, registration)

    def get_inlines(self, request, obj):
        return [RegistrationInline, NewRegistrationInline] if obj is not None else []

    def save_model(self, request, obj, form, change):
        self.check_can_save(request, obj, change)
        values = form_values(form)
        if change:
            event_update(event=obj, actor=request.user, **values)
            report_promoted(request, obj.promoted)
        else:
            adopt(obj, event_create(station=obj.station, actor=request.user, **values))

    def save_formset(self, request, form, formset, change):
        if not issubclass(formset.model, Registration):
            return super().save_formset(request, form, formset, change)
        created = []
        if isinstance(formset, NewRegistrationFormSet):
            for row in formset.forms:
                resident = row.cleaned_data.get("resident") if row.has_changed() else None
                if resident is None:
                    continue
                registration = registration_create(
                    event=formset.instance, resident=resident, actor=request.user
                )
                report_waitlisted(request, registration)
                created.append(registration)
        # read by the admin's change message for the history page
        formset.new_objects = created
        formset.changed_objects = []
        formset.deleted_objects = []

    def delete_model(self, request, obj):
        event_delete(event=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        # the place counts are a GROUP BY: go through the plain rows
        for event in Event.objects.filter(pk__in=queryset.values("pk")):
            event_delete(event=event, actor=request.user)


class CheckedInFilter(TimestampListFilter):
    title = _("checked in")
    parameter_name = "checked_in"
    field = "checked_in_at"


@admin.register(Registration)
class RegistrationAdmin(AddThenShowMixin, StationScopedAdmin):
    """Registrations are added here or on the event page and changed only by
    the list actions; an existing registration's page shows it."""

    list_display = ["event", "resident", "status", "checked_in", "created_at"]
    list_select_related = ["event", "resident", "station"]
    list_filter = [
        "status",
        CheckedInFilter,
        "station",
        ("event", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = [
        "resident__family_name",
        "resident__given_name",
        "resident__chinese_name",
        "event__title_zh_hans",
        "event__title_en",
    ]
    date_hierarchy = "created_at"
    autocomplete_fields = ["event", "resident"]
    actions = ["check_in_selected", "cancel_selected", *EXPORT_ACTIONS]
    add_fields = ["event", "resident"]
    fields = [
        "event",
        "resident",
        "status",
        "position",
        "created_at",
        "cancelled_at",
        "checked_in_at",
        "station",
    ]

    @admin.display(description=_("checked in"), boolean=True, ordering="checked_in_at")
    def checked_in(self, obj: Registration) -> bool:
        return obj.checked_in_at is not None

    @admin.display(description=_("position on the waiting list"))
    def position(self, obj: Registration):
        return waitlist_position(obj) or "-"

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = RegistrationAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            return
        obj.station_id = obj.event.station_id
        self.check_can_save(request, obj, change)
        registration = registration_create(
            event=obj.event, resident=obj.resident, actor=request.user
        )
        adopt(obj, registration)
        report_waitlisted(request, registration)

    def delete_model(self, request, obj):
        report_promoted(request, registration_delete(registration=obj, actor=request.user))

    def delete_queryset(self, request, queryset):
        for registration in queryset:
            self.delete_model(request, registration)

    @admin.action(description=_("Check in selected"), permissions=["change"])
    def check_in_selected(self, request, queryset):
        self.run_row_action(
            request,
            queryset.select_related("event", "resident"),
            service=lambda registration: registration_check_in(
                registration=registration, actor=request.user
            ),
            done_message=lambda count: ngettext(
                "%(count)d person was checked in.",
                "%(count)d people were checked in.",
                count,
            )
            % {"count": count},
        )

    @admin.action(description=_("Cancel selected"), permissions=["change"])
    def cancel_selected(self, request, queryset):
        cancelled = self.run_row_action(
            request,
            queryset.exclude(status=Registration.Status.CANCELLED).select_related(
                "event", "resident"
            ),
            service=lambda registration: registration_cancel(
                registration=registration, actor=request.user
            ),
            done_message=lambda count: ngettext(
                "%(count)d registration was cancelled.",
                "%(count)d registrations were cancelled.",
                count,
            )
            % {"count": count},
        )
        for registration in cancelled:
            report_promoted(request, registration.promoted)
