"""API of residents: staff's `/api/v1/residents/`, and a resident's own
`/api/v1/me/` (their session), with their registrations.

The identity document number is shown on a single resident only, never in
lists, and each answer that shows it is recorded in the audit log as a view,
as the admin does.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from events.models import Registration
from events.selectors import event_get_public
from events.services import registration_cancel_public, registration_create_public
from stations.apibase import (
    Authenticated,
    IdFilter,
    StationScopedViewSet,
    StrictModelSerializer,
    StrictSerializer,
    created,
    fixed,
)
from stations.audit import record_view
from stations.models import Station

from .models import Resident
from .selectors import resident_data_export, resident_list
from .services import resident_create, resident_update

FIELDS = [
    "id",
    "station",
    "family_name",
    "given_name",
    "chinese_name",
    "nationality",
    "languages",
    "preferred_language",
    "category",
    "phone",
    "email",
    "address",
    "arrival_date",
    "document_type",
    "document_expires",
    "registered_at",
    "updated_at",
]


class ResidentSerializer(StrictModelSerializer):
    station = serializers.PrimaryKeyRelatedField(queryset=Station.objects.all())

    class Meta:
        model = Resident
        fields = FIELDS
        read_only_fields = ["id", "registered_at", "updated_at"]


class ResidentDetailSerializer(ResidentSerializer):
    class Meta(ResidentSerializer.Meta):
        fields = [*FIELDS[:15], "document_number", *FIELDS[15:]]
        extra_kwargs = {"document_number": {"required": False, "allow_blank": True}}


class ResidentFilter(filters.FilterSet):
    station = IdFilter(field_name="station_id")
    nationality = filters.CharFilter(help_text="ISO 3166 code, e.g. DE")
    category = filters.ChoiceFilter(choices=Resident.Category.choices)
    preferred_language = filters.ChoiceFilter(choices=settings.LANGUAGES)
    q = filters.CharFilter(method="search", label=_("search"),
                           help_text="Names, e-mail, phone, or the whole document number.")

    class Meta:
        model = Resident
        # every filter is declared (see consultations/api.py)
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset & resident_list(search=value)


class ResidentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    StationScopedViewSet,
):
    role_model = "residents.resident"
    model = Resident
    filterset_class = ResidentFilter
    ordering_fields = ["family_name", "registered_at", "id"]
    ordering = ["id"]

    def rows(self):
        return self.scoped(Resident.objects.select_related("station"))

    def get_serializer_class(self):
        return ResidentSerializer if self.action == "list" else ResidentDetailSerializer

    def retrieve(self, request, *args, **kwargs):
        resident = self.get_object()
        if resident.document_number:
            record_view(resident, ["document_number"])
        return Response(self.get_serializer(resident).data)

    def perform_create(self, serializer):
        values = dict(serializer.validated_data)
        station = self.writable_station(values.pop("station"))
        serializer.instance = resident_create(station=station, actor=self.request.user, **values)

    def perform_update(self, serializer):
        values = fixed(dict(serializer.validated_data), serializer.instance, "station")
        serializer.instance = resident_update(
            resident=serializer.instance, actor=self.request.user, **values
        )


# --- a resident's own data ------------------------------------------------------------


class MeApi(APIView):
    """Everything the portal holds about the caller (as "download my data")."""

    permission_classes = [Authenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT, operation_id="me")
    def get(self, request):
        return Response(resident_data_export(request.user))


class OwnRegistrationSerializer(serializers.ModelSerializer):
    event_title = serializers.CharField(source="event.title", read_only=True)
    position = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = ["id", "event", "event_title", "status", "position", "created_at",
                  "cancelled_at", "checked_in_at"]
        read_only_fields = fields

    def get_position(self, registration) -> int | None:
        return getattr(registration, "position", None)


class OwnRegistrationCreateSerializer(StrictSerializer):
    event = serializers.IntegerField(min_value=1)


class OwnRegistrationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's own registrations; register for a published event, cancel."""

    permission_classes = [Authenticated]
    serializer_class = OwnRegistrationSerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Registration.objects.with_scopes_disabled().none()
        # the request's scope covers the stations of the caller's profiles
        return (
            Registration.objects.filter(resident__user=self.request.user)
            .select_related("event")
            .order_by("-created_at", "-pk")
        )

    @extend_schema(request=OwnRegistrationCreateSerializer,
                   responses={201: OwnRegistrationSerializer})
    def create(self, request):
        data = OwnRegistrationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            event = event_get_public(pk=data.validated_data["event"])
        except Http404 as exc:
            raise NotFound() from exc
        try:
            registration = registration_create_public(event=event, user=request.user)
        except Resident.DoesNotExist as exc:
            raise PermissionDenied(
                _("Your account has no resident profile yet; add your details first.")
            ) from exc
        return created(OwnRegistrationSerializer(registration).data)

    @extend_schema(request=None, responses=OwnRegistrationSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        registration = self.get_queryset().filter(pk=pk).first()
        if registration is None:
            raise NotFound()
        registration = registration_cancel_public(registration=registration)
        return Response(OwnRegistrationSerializer(registration).data)

