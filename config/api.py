"""The routes of the REST API, `/api/v1/` (docs/api.md), and its schema:
`/api/v1/schema/` (OpenAPI 3, YAML or JSON by `?format=json`) and
`/api/v1/docs/` (Swagger UI, served from the portal itself)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from consultations.api import ConsultationViewSet, TopicViewSet
from events.api import EventViewSet, RegistrationViewSet
from residents.api import MeApi, OwnRegistrationViewSet, ResidentViewSet
from stations.api import StationViewSet, SummaryApi, SummaryScopesApi
from volunteers.api import HoursViewSet, OpportunityViewSet, ShiftViewSet


class Router(DefaultRouter):
    include_root_view = False


router = Router()
router.register("stations", StationViewSet, basename="station")
router.register("residents", ResidentViewSet, basename="resident")
router.register("events", EventViewSet, basename="event")
router.register("registrations", RegistrationViewSet, basename="registration")
router.register("topics", TopicViewSet, basename="topic")
router.register("consultations", ConsultationViewSet, basename="consultation")
router.register("opportunities", OpportunityViewSet, basename="opportunity")
router.register("shifts", ShiftViewSet, basename="shift")
router.register("hours", HoursViewSet, basename="hours")
router.register("me/registrations", OwnRegistrationViewSet, basename="own-registration")

app_name = "api"
urlpatterns = [
    path("", include(router.urls)),
    path("me/", MeApi.as_view(), name="me"),
    path("summaries/", SummaryApi.as_view(), name="summary"),
    path("summaries/scopes/", SummaryScopesApi.as_view(), name="summary-scopes"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
