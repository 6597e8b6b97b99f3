"""API of consultations, for station staff.

- `/api/v1/topics/`: the city-wide catalogue of topics, read only.
- `/api/v1/consultations/`: list, read, book, change; `POST
  .../{id}/status/` with {"status": "completed" | "cancelled" | "no_show"}.

The notes are the counsellor's: they appear, and can be written, only for
the consultation's own counsellor (consultations.selectors.may_read_notes);
everyone else sees that the consultation took place. A sensitive topic needs
the resident's separate consent, as everywhere (the service refuses it).
"""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from residents.models import Resident
from stations.apibase import (
    IdFilter,
    MomentFilter,
    StaffRolePermission,
    StationRowField,
    StationScopedViewSet,
    StrictModelSerializer,
    StrictSerializer,
    fixed,
    translated,
)
from stations.audit import record_view
from stations.models import Station

from .models import Consultation, Counsellor, Topic
from .selectors import may_read_notes
from .services import consultation_create, consultation_set_status, consultation_update


class TopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "slug", *translated("name"), *translated("description"),
                  "is_epidemic_related", "is_sensitive"]
        read_only_fields = fields


class TopicViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """City-wide: every station uses the same topics, so summaries add up."""

    permission_classes = [StaffRolePermission]
    serializer_class = TopicSerializer
    queryset = Topic.objects.all()
    ordering_fields = ["ordering", "slug"]
    ordering = ["ordering", "slug"]
    filterset_fields = ["is_sensitive", "is_epidemic_related"]  # Topic is city-wide


class ConsultationSerializer(StrictModelSerializer):
    station = serializers.PrimaryKeyRelatedField(queryset=Station.objects.all())
    resident = StationRowField(Resident)
    counsellor = StationRowField(Counsellor, allow_null=True, required=False)
    topic = serializers.SlugRelatedField(slug_field="slug", queryset=Topic.objects.all())

    class Meta:
        model = Consultation
        fields = ["id", "station", "resident", "topic", "counsellor", "channel", "starts_at",
                  "ends_at", "status", "language", "notes", "created_at", "updated_at"]
        read_only_fields = ["id", "status", "created_at", "updated_at"]
        extra_kwargs = {"notes": {"required": False}, "language": {"required": False}}

    def get_fields(self):
        fields = super().get_fields()
        instance = self.instance if isinstance(self.instance, Consultation) else None
        request = self.context.get("request")
        if request is not None and not may_read_notes(request.user, instance):
            fields.pop("notes", None)
        return fields


class ConsultationFilter(filters.FilterSet):
    station = IdFilter(field_name="station_id")
    counsellor = IdFilter(field_name="counsellor_id")
    resident = IdFilter(field_name="resident_id")
    starts_after = MomentFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = MomentFilter(field_name="starts_at", lookup_expr="lt")
    topic = filters.CharFilter(field_name="topic__slug")
    status = filters.ChoiceFilter(choices=Consultation.Status.choices)
    channel = filters.ChoiceFilter(choices=Consultation.Channel.choices)

    class Meta:
        # every filter is declared: django-filter would query the scoped
        # managers when this class is made, outside any station scope
        model = Consultation
        fields: list[str] = []


class StatusSerializer(StrictSerializer):
    status = serializers.ChoiceField(
        choices=[Consultation.Status.COMPLETED, Consultation.Status.CANCELLED,
                 Consultation.Status.NO_SHOW]
    )


class ConsultationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    StationScopedViewSet,
):
    role_model = "consultations.consultation"
    model = Consultation
    serializer_class = ConsultationSerializer
    filterset_class = ConsultationFilter
    ordering_fields = ["starts_at", "id"]
    ordering = ["-starts_at", "-id"]

    def rows(self):
        return self.scoped(
            Consultation.objects.select_related("topic", "counsellor", "resident", "station")
        )

    def get_serializer(self, *args, **kwargs):
        # the list shows no notes: whose they are differs row by row
        if self.action == "list":
            kwargs.setdefault("context", self.get_serializer_context())
            serializer = ConsultationListSerializer(*args, **kwargs)
            return serializer
        return super().get_serializer(*args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        consultation = self.get_object()
        serializer = self.get_serializer(consultation)
        if "notes" in serializer.fields and consultation.notes:
            record_view(consultation, ["notes"])
        return Response(serializer.data)

    def perform_create(self, serializer):
        values = dict(serializer.validated_data)
        station = self.writable_station(values.pop("station"))
        serializer.instance = consultation_create(
            station=station, actor=self.request.user, **values
        )

    def perform_update(self, serializer):
        values = fixed(dict(serializer.validated_data), serializer.instance, "station")
        serializer.instance = consultation_update(
            consultation=serializer.instance, actor=self.request.user, **values
        )

    @extend_schema(request=StatusSerializer, responses=ConsultationSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        consultation = self.get_object()
        data = StatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        consultation = consultation_set_status(
            consultation=consultation, status=data.validated_data["status"], actor=request.user
        )
        return Response(self.get_serializer(consultation).data)


class ConsultationListSerializer(ConsultationSerializer):
    class Meta(ConsultationSerializer.Meta):
        fields = [f for f in ConsultationSerializer.Meta.fields if f != "notes"]

    def get_fields(self):
        fields = super().get_fields()
        fields.pop("notes", None)
        return fields
