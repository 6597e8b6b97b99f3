from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from stations.views import healthz, ping, switch_language

# the pages of a failed request, in the address's language (stations/errors.py)
handler500 = "stations.errors.server_error"
handler400 = "stations.errors.bad_request"

admin.site.site_header = _("International Community Service Stations")
admin.site.site_title = _("Station admin")
admin.site.index_title = _("Station administration")

urlpatterns = [
    path("language/<str:code>/", switch_language, name="switch_language"),
    path("ping/", ping, name="ping"),
    path("healthz", healthz, name="healthz"),
    # the REST API: no language prefix (it answers in the Accept-Language)
    path("api/v1/", include("config.api")),
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("my/", include("residents.urls")),
    path("events/", include("events.urls")),
    path("consultations/", include("consultations.urls")),
    path("volunteer/", include("volunteers.urls")),
    path("", include("stations.urls")),
    prefix_default_language=True,
)
