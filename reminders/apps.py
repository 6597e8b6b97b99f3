from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("Reminders and notices")

    def ready(self):
        # Each domain app describes its own messages in `<app>/reminders.py`
        # (what each kind says and to whom); importing them fills the registry.
        autodiscover_modules("reminders")
