from django.urls import path, register_converter

from . import views
from .selectors import format_slot_time, parse_slot_time


class SlotTimeConverter:
    """A slot's start in an address: UTC, to the minute (20261105T0130Z)."""

    regex = r"\d{8}T\d{4}Z"

    def to_python(self, value):
        return parse_slot_time(value)

    def to_url(self, value):
        return value if isinstance(value, str) else format_slot_time(value)


register_converter(SlotTimeConverter, "slot")

app_name = "consultations"

urlpatterns = [
    path("", views.start, name="start"),
    path("bookings/", views.mine, name="mine"),
    path("bookings/<int:pk>/", views.detail, name="detail"),
    path("bookings/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("bookings/<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path(
        "bookings/<int:pk>/reschedule/<int:availability>/<slot:start>/",
        views.reschedule_confirm,
        name="reschedule_confirm",
    ),
    # The signed self-service link, kept before the catch-all topic routes so
    # that no topic's slug can ever come between.
    path("booking/<str:code>/", views.booking, name="booking"),
    path("booking/<str:code>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("booking/<str:code>/consultation.ics", views.booking_ics, name="booking_ics"),
    path("<slug:topic>/", views.slots, name="slots"),
    path("<slug:topic>/book/<int:availability>/<slot:start>/", views.book, name="book"),
]
