"""Print the current second-factor code of each demo login (development only).

    python manage.py demo_codes

The demo's staff and officials have authenticator devices with known keys
(stations.demo_data.demo_totp_key); this prints what their app would show now.
Refused unless DEBUG is on: a real deployment has no use for it.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from stations import demo_data


class Command(BaseCommand):
    help = "Print the current two-factor codes of the demo logins (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_codes works only with DEBUG on (development).")
        devices = TOTPDevice.objects.filter(name="demo authenticator", confirmed=True)
        devices = devices.select_related("user").order_by("user__email")
        shown = 0
        for device in devices:
            if device.key != demo_data.demo_totp_key(device.user.email):
                continue  # not a demo key: never printed
            code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits,
                        drift=device.drift)
            self.stdout.write(f"{device.user.email:<36} {code:06d}")
            shown += 1
        if not shown:
            raise CommandError("No demo logins: run `python manage.py load_demo` first.")
        self.stdout.write("Each code is valid for about 30 seconds and only once.")
