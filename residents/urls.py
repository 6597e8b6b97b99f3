from django.urls import path

from . import views

app_name = "residents"

urlpatterns = [
    path("", views.my_page, name="my_page"),
    path("details/", views.details, name="details"),
    path("consent/", views.give_consent, name="give_consent"),
    path("consents/<int:pk>/withdraw/", views.withdraw_consent, name="withdraw_consent"),
    path("data/", views.my_data, name="my_data"),
    path("delete/", views.delete_account, name="delete_account"),
    path("deleted/", views.account_deleted, name="account_deleted"),
]
