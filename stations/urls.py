from django.urls import path

from . import summary_views, views

app_name = "stations"

urlpatterns = [
    path("", views.home, name="home"),
    path("stations/<slug:slug>/", views.station_detail, name="detail"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/<int:pk>/", views.notice_detail, name="notice"),
    path("guides/", views.guide_list, name="guides"),
    path("guides/<slug:station>/<slug:slug>/", views.guide_detail, name="guide"),
    path("summaries/", summary_views.summaries, name="summaries"),
    path("summaries/download/", summary_views.summary_download, name="summary_download"),
]
