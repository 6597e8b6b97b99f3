from django.contrib.admin.apps import AdminConfig


class PortalAdminConfig(AdminConfig):
    """The admin with the second factor required (accounts.two_factor)."""

    default_site = "accounts.two_factor.PortalAdminSite"
