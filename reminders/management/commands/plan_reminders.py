"""`manage.py plan_reminders [--station SLUG]`: write the reminders of every
row still to come (upcoming registrations, bookings, shifts, expiring
documents), as the services do when a row is saved. For rows that were
written without the services (a bulk import, a restore of old data). Running
it again changes nothing."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_scopes import scopes_disabled

from reminders.services import reminders_replan_station
from stations.models import Station


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--station", help="one station's slug (default: every station)")

    def handle(self, *args, station=None, **options):
        # city-wide when no station is named
        with scopes_disabled():
            stations = Station.objects.order_by("slug")
            if station:
                stations = stations.filter(slug=station)
                if not stations.exists():
                    raise CommandError(f"No station with the slug “{station}”.")
            for row in stations:
                with transaction.atomic():
                    counts = reminders_replan_station(station_id=row.pk)
                looked_at = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
                self.stdout.write(f"{row.slug}: {looked_at}")
