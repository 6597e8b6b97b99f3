"""API of volunteering, for station staff.

- `/api/v1/opportunities/`: list, read, create, change.
- `/api/v1/shifts/`: list, read, create, change (a moved shift moves its
  volunteers' reminders), delete.
- `/api/v1/hours/`: list, read, log hours (pending), correct pending hours;
  `POST .../{id}/review/` with {"approve": true | false}.
"""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from residents.models import Resident
from stations.apibase import (
    DayFilter,
    IdFilter,
    MomentFilter,
    StationRowField,
    StationScopedViewSet,
    StrictModelSerializer,
    StrictSerializer,
    fixed,
    translated,
)
from stations.models import Station

from .models import HoursEntry, Opportunity, Shift
from .selectors import shifts_with_places
from .services import (
    hours_entry_create,
    hours_entry_review,
    hours_entry_update,
    opportunity_create,
    opportunity_update,
    shift_create,
    shift_delete,
    shift_update,
)


class CrudViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    StationScopedViewSet,
):
    pass


class OpportunitySerializer(StrictModelSerializer):
    station = serializers.PrimaryKeyRelatedField(queryset=Station.objects.all())

    class Meta:
        model = Opportunity
        fields = ["id", "station", *translated("title"), *translated("description"),
                  "category", "is_published", "created_at"]
        read_only_fields = ["id", "title", "description", "created_at"]


class OpportunityFilter(filters.FilterSet):
    station = IdFilter(field_name="station_id")
    category = filters.ChoiceFilter(choices=Opportunity.Category.choices)
    is_published = filters.BooleanFilter()

    class Meta:
        # every filter is declared (see consultations/api.py)
        model = Opportunity
        fields: list[str] = []


class OpportunityViewSet(CrudViewSet):
    role_model = "volunteers.opportunity"
    model = Opportunity
    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["id"]

    def rows(self):
        return self.scoped(Opportunity.objects.all())

    def perform_create(self, serializer):
        values = dict(serializer.validated_data)
        station = self.writable_station(values.pop("station"))
        serializer.instance = opportunity_create(station=station, actor=self.request.user,
                                                 **values)

    def perform_update(self, serializer):
        values = fixed(dict(serializer.validated_data), serializer.instance, "station")
        serializer.instance = opportunity_update(
            opportunity=serializer.instance, actor=self.request.user, **values
        )


class ShiftSerializer(StrictModelSerializer):
    opportunity = StationRowField(Opportunity)
    places_taken = serializers.IntegerField(read_only=True)
    places_left = serializers.IntegerField(read_only=True)

    class Meta:
        model = Shift
        fields = ["id", "station", "opportunity", "starts_at", "ends_at", "capacity",
                  "places_taken", "places_left"]
        read_only_fields = ["id", "station"]


class ShiftFilter(filters.FilterSet):
    station = IdFilter(field_name="station_id")
    opportunity = IdFilter(field_name="opportunity_id")
    starts_after = MomentFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = MomentFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Shift
        fields: list[str] = []


class ShiftViewSet(CrudViewSet, mixins.DestroyModelMixin):
    role_model = "volunteers.shift"
    model = Shift
    serializer_class = ShiftSerializer
    filterset_class = ShiftFilter
    ordering_fields = ["starts_at", "id"]
    ordering = ["starts_at", "id"]

    def rows(self):
        return shifts_with_places(self.scoped(Shift.objects.select_related("opportunity")))

    def perform_create(self, serializer):
        values = dict(serializer.validated_data)
        station = self.writable_station(values["opportunity"].station)
        shift = shift_create(station=station, actor=self.request.user, **values)
        serializer.instance = self.get_queryset().get(pk=shift.pk)

    def perform_update(self, serializer):
        values = fixed(dict(serializer.validated_data), serializer.instance, "opportunity")
        shift_update(shift=serializer.instance, actor=self.request.user, **values)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        shift_delete(shift=instance, actor=self.request.user)


class HoursSerializer(StrictModelSerializer):
    station = serializers.PrimaryKeyRelatedField(queryset=Station.objects.all())
    volunteer = StationRowField(Resident)
    opportunity = StationRowField(Opportunity, allow_null=True, required=False)
    shift = StationRowField(Shift, allow_null=True, required=False)

    class Meta:
        model = HoursEntry
        fields = ["id", "station", "volunteer", "opportunity", "shift", "date", "hours",
                  "description", "status", "reviewed_at", "created_at"]
        read_only_fields = ["id", "status", "reviewed_at", "created_at"]



class HoursFilter(filters.FilterSet):
    station = IdFilter(field_name="station_id")
    volunteer = IdFilter(field_name="volunteer_id")
    opportunity = IdFilter(field_name="opportunity_id")
    date_from = DayFilter(field_name="date", lookup_expr="gte")
    date_to = DayFilter(field_name="date", lookup_expr="lte")
    status = filters.ChoiceFilter(choices=HoursEntry.Status.choices)

    class Meta:
        model = HoursEntry
        fields: list[str] = []


class ReviewSerializer(StrictSerializer):
    approve = serializers.BooleanField()


class HoursViewSet(CrudViewSet):
    role_model = "volunteers.hoursentry"
    model = HoursEntry
    serializer_class = HoursSerializer
    filterset_class = HoursFilter
    ordering_fields = ["date", "id"]
    ordering = ["-date", "-id"]

    def rows(self):
        return self.scoped(HoursEntry.objects.all())

    def perform_create(self, serializer):
        values = dict(serializer.validated_data)
        station = self.writable_station(values.pop("station"))
        serializer.instance = hours_entry_create(
            station=station, volunteer=values.pop("volunteer"), actor=self.request.user, **values
        )

    def perform_update(self, serializer):
        values = fixed(dict(serializer.validated_data), serializer.instance,
                       "station", "volunteer")
        serializer.instance = hours_entry_update(
            entry=serializer.instance, actor=self.request.user, **values
        )

    @extend_schema(request=ReviewSerializer, responses=HoursSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        entry = self.get_object()
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = hours_entry_review(entry=entry, approve=data.validated_data["approve"],
                                   actor=request.user)
        return Response(self.get_serializer(entry).data)
