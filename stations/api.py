"""API of stations and of the yearly summaries.

- `/api/v1/stations/`: the stations the caller works at (all for a
  superuser), read only.
- `/api/v1/summaries/scopes/`: the regions and stations the caller may have
  a summary of; `/api/v1/summaries/?scope=region:<code>|station:<slug>&year=`:
  the summary as figures. Officials reach the regions and stations under
  their own; station staff their own stations. Counts only, never a name
  (docs/summaries.md), and small cells merged into "Other" as in the files.
"""

from __future__ import annotations

from django.http import Http404
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .apibase import Authenticated, StationScopedViewSet, translated
from .models import Station
from .summary import (
    build_summary,
    official_choices,
    parse_year,
    scope_for_station,
    summary_scope_for_official,
)
from .tenancy import user_station_ids


class StationSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Station
        fields = [
            "id",
            "slug",
            *translated("name"),
            "kind",
            "region",
            *translated("address"),
            "phone",
            "email",
            *translated("opening_hours"),
            "languages",
            "is_active",
        ]
        read_only_fields = fields


class StationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StationScopedViewSet):
    """The stations where the caller holds a role."""

    role_model = "stations.station"
    model = Station
    serializer_class = StationSerializer
    ordering_fields = ["slug", "name"]
    ordering = ["slug"]

    def rows(self):
        qs = Station.objects.select_related("region").order_by("slug")
        ids = self.station_ids()
        return qs if ids is None else qs.filter(pk__in=ids)


# --- summaries ---------------------------------------------------------------------


class CellSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    current = serializers.FloatField()
    previous = serializers.FloatField()


class LineSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    current = serializers.FloatField()
    previous = serializers.FloatField()
    cells = CellSerializer(many=True)


class SectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    lines = LineSerializer(many=True)


class UnitSerializer(serializers.Serializer):
    kind = serializers.CharField()
    slug = serializers.CharField()
    name = serializers.CharField()
    parent = serializers.CharField()
    lines = serializers.SerializerMethodField()

    def get_lines(self, unit) -> list[dict]:
        return LineSerializer(list(unit.lines.values()), many=True).data


class SummarySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    language = serializers.CharField()
    scope_kind = serializers.CharField()
    scope_slug = serializers.CharField()
    scope_name = serializers.CharField()
    generated_at = serializers.DateTimeField()
    sections = SectionSerializer(many=True)
    stations = UnitSerializer(many=True)
    regions = UnitSerializer(many=True)


class ScopeSerializer(serializers.Serializer):
    scope = serializers.CharField(help_text="The value to pass as ?scope=.")
    kind = serializers.ChoiceField(choices=["region", "station"])
    name = serializers.CharField()


def _staff_scope(user, param: str):
    kind, _sep, slug = (param or "").partition(":")
    if kind != "station" or not slug:
        raise Http404
    stations = Station.objects.all()
    if not user.is_superuser:
        stations = stations.filter(pk__in=user_station_ids(user))
    station = stations.filter(slug=slug).first()
    if station is None:
        raise Http404
    return scope_for_station(station)


def scope_for_caller(user, param: str):
    """Officials: anything under their regions; staff: their stations; 404
    alike for what does not exist and what is not theirs."""
    try:
        return summary_scope_for_official(user, param)
    except Http404:
        return _staff_scope(user, param)


class SummaryScopesApi(APIView):
    permission_classes = [Authenticated]

    @extend_schema(responses=ScopeSerializer(many=True), operation_id="summary_scopes")
    def get(self, request):
        seen, out = set(), []
        for _root, regions, stations in official_choices(request.user):
            for region in regions:
                if region.code not in seen:
                    seen.add(region.code)
                    out.append({"scope": f"region:{region.code}", "kind": "region",
                                "name": region.name})
            for station in stations:
                if station.slug not in seen:
                    seen.add(station.slug)
                    out.append({"scope": f"station:{station.slug}", "kind": "station",
                                "name": station.name})
        own = Station.objects.filter(pk__in=user_station_ids(request.user)).order_by("slug")
        for station in own:
            if station.slug not in seen:
                seen.add(station.slug)
                out.append({"scope": f"station:{station.slug}", "kind": "station",
                            "name": station.name})
        return Response(ScopeSerializer(out, many=True).data)


class SummaryQuerySerializer(serializers.Serializer):
    scope = serializers.CharField(help_text="region:<code> or station:<slug>")
    year = serializers.IntegerField()
    language = serializers.ChoiceField(choices=["zh-hans", "en"], required=False)

    def validate_year(self, value):
        from django.core.exceptions import ValidationError

        try:
            return parse_year(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class SummaryApi(APIView):
    """One summary: the figures of the year beside the previous year's."""

    permission_classes = [Authenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("scope", OpenApiTypes.STR, required=True,
                             description="region:<code> or station:<slug>"),
            OpenApiParameter("year", OpenApiTypes.INT, required=True),
            OpenApiParameter("language", OpenApiTypes.STR, enum=["zh-hans", "en"],
                             description="Labels' language; default: the request's."),
        ],
        responses=SummarySerializer,
        operation_id="summary",
    )
    def get(self, request):
        query = SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        scope = scope_for_caller(request.user, query.validated_data["scope"])
        language = query.validated_data.get("language") or translation.get_language()
        summary = build_summary(scope, query.validated_data["year"], language)
        return Response(SummarySerializer(summary).data)
