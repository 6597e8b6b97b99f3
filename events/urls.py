from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("<int:pk>/", views.event_detail, name="detail"),
    path("<int:pk>/register/", views.event_register, name="register"),
    path("<int:pk>/event.ics", views.event_ics, name="ics"),
    path("calendar/<slug:slug>.ics", views.station_calendar, name="station_calendar"),
    path("ticket/<str:code>/", views.ticket, name="ticket"),
    path("ticket/<str:code>/cancel/", views.cancel, name="cancel"),
]
