"""API of events and registrations, for station staff.

- `/api/v1/events/`: list, read, create, change, delete; `POST
  .../{id}/call-off/` calls an event off (its registrants are told).
- `/api/v1/registrations/`: list, read, register a resident (confirmed or
  waiting, as at the desk), `POST .../{id}/cancel/`, `POST
  .../{id}/check-in/`, delete a mistaken entry.

Every write is the admin's service (events.services): places, the waiting
list and the messages work the same as in the admin and on the public site.
"""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from residents.models import Resident
from stations.apibase import (
    IdFilter,
    MomentFilter,
    OptionalURLField,
    StationRowField,
    StationScopedViewSet,
    StrictModelSerializer,
    fixed,
    translated,
)
from stations.models import Station

from .models import Event, EventCategory, Registration
from .selectors import event_list, waitlist_position
from .services import (
    event_cancel,
    event_create,
    event_delete,
    event_update,
    registration_cancel,
    registration_check_in,
    registration_create,
    registration_delete,
)


class EventSerializer(StrictModelSerializer):
    station = serializers.PrimaryKeyRelatedField(queryset=Station.objects.all())
    category = serializers.SlugRelatedField(slug_field="slug",
                                            queryset=EventCategory.objects.all())
    places_taken = serializers.IntegerField(read_only=True)
    waitlist_count = serializers.IntegerField(read_only=True)
    places_left = serializers.IntegerField(read_only=True, allow_null=True)
    online_url = OptionalURLField()

    class Meta:
        model = Event
        fields = [
            "id",
            "station",
            "category",
            *translated("title"),
            *translated("description"),
            *translated("place"),
            "starts_at",
            "ends_at",
            "capacity",
            "registration_opens_at",
            "registration_closes_at",
            "online_url",
            "is_published",
            "cancelled_at",
            "places_taken",
            "waitlist_count",
            "places_left",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "title", "description", "place", "cancelled_at",
                            "created_at", "updated_at"]


class EventFilter(filters.FilterSet):
    station = IdFilter(field_name="station_id")
    starts_after = MomentFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = MomentFilter(field_name="starts_at", lookup_expr="lt")
    category = filters.CharFilter(field_name="category__slug")
    is_published = filters.BooleanFilter()

    class Meta:
        # every filter is declared (see consultations/api.py)
        model = Event
        fields: list[str] = []


class EventViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    StationScopedViewSet,
):
    role_model = "events.event"
    model = Event
    serializer_class = EventSerializer
    filterset_class = EventFilter
    ordering_fields = ["starts_at", "id"]
    ordering = ["starts_at", "id"]

    def rows(self):
        return event_list(station_ids=self.station_ids())

    def perform_create(self, serializer):
        values = dict(serializer.validated_data)
        station = self.writable_station(values.pop("station"))
        event = event_create(station=station, actor=self.request.user, **values)
        serializer.instance = self.get_queryset().get(pk=event.pk)

    def perform_update(self, serializer):
        values = fixed(dict(serializer.validated_data), serializer.instance, "station")
        event_update(event=serializer.instance, actor=self.request.user, **values)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        event_delete(event=instance, actor=self.request.user)

    @extend_schema(request=None, responses=EventSerializer)
    @action(detail=True, methods=["post"], url_path="call-off")
    def call_off(self, request, pk=None):
        event = self.get_object()
        event_cancel(event=event, actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=event.pk)).data)


class RegistrationSerializer(StrictModelSerializer):
    event = StationRowField(Event)
    resident = StationRowField(Resident)
    position = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = ["id", "station", "event", "resident", "status", "position", "created_at",
                  "cancelled_at", "checked_in_at"]
        read_only_fields = ["id", "station", "status", "created_at", "cancelled_at",
                            "checked_in_at"]

    def get_position(self, registration) -> int | None:
        return waitlist_position(registration)


class RegistrationFilter(filters.FilterSet):
    station = IdFilter(field_name="station_id")
    event = IdFilter(field_name="event_id")
    resident = IdFilter(field_name="resident_id")
    status = filters.ChoiceFilter(choices=Registration.Status.choices)

    class Meta:
        model = Registration
        fields: list[str] = []


class RegistrationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    StationScopedViewSet,
):
    role_model = "events.registration"
    model = Registration
    serializer_class = RegistrationSerializer
    filterset_class = RegistrationFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["created_at", "id"]

    def rows(self):
        return self.scoped(Registration.objects.select_related("event", "resident"))

    def perform_create(self, serializer):
        event = serializer.validated_data["event"]
        self.writable_station(event.station)
        serializer.instance = registration_create(
            event=event, resident=serializer.validated_data["resident"], actor=self.request.user
        )

    def perform_destroy(self, instance):
        registration_delete(registration=instance, actor=self.request.user)

    @extend_schema(request=None, responses=RegistrationSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        registration = registration_cancel(registration=self.get_object(), actor=request.user)
        return Response(self.get_serializer(registration).data)

    @extend_schema(request=None, responses=RegistrationSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        registration = registration_check_in(registration=self.get_object(), actor=request.user)
        return Response(self.get_serializer(registration).data, status=status.HTTP_200_OK)
