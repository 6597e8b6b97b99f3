from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils.translation import gettext_lazy as _

# Apps whose rows the cached public pages show (stations/pagecache.py).
PUBLIC_PAGE_APPS = {"stations", "events", "volunteers"}


def _public_rows_changed(sender, **kwargs):
    from stations.pagecache import public_pages_changed

    if sender._meta.app_label in PUBLIC_PAGE_APPS:
        public_pages_changed()


class StationsConfig(AppConfig):
    name = "stations"
    verbose_name = _("Stations")

    def ready(self):
        # Cache invalidation, not a business rule: any save of a shown row
        # makes the anonymous visitors' cached pages stale.
        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(_public_rows_changed, dispatch_uid=f"public-pages-{signal!r}")
        # The audit log of personal data (stations/audit.py): whoever saves it.
        from stations import audit

        pre_save.connect(audit.remember_before_save, dispatch_uid="audit-before")
        post_save.connect(audit.record_save, dispatch_uid="audit-save")
        post_delete.connect(audit.record_delete, dispatch_uid="audit-delete")
