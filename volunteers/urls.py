from django.urls import path

from . import views

app_name = "volunteers"

urlpatterns = [
    path("", views.opportunity_list, name="list"),
    path("<int:pk>/", views.opportunity, name="opportunity"),
    path("shifts/<int:pk>/sign-up/", views.signup, name="signup"),
    path("sign-ups/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("hours/", views.hours, name="hours"),
]
