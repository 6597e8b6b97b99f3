"""Write a yearly summary file:

    python manage.py export_summary --region xiamen-siming --year 2025 \\
        --format xlsx --language en --output siming-2025.xlsx

City-wide: it opens no station scope and reads every station of the region
(stations.summary disables scopes for its aggregate queries)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from stations.exporters import FORMATS, check_format, check_language, export_summary
from stations.models import Region, Station
from stations.summary import parse_year, scope_for_region, scope_for_station


class Command(BaseCommand):
    help = "Write the yearly summary of a region or a station as XLSX, CSV or PDF."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--region", help="region code, e.g. xiamen-siming")
        which.add_argument("--station", help="station slug")
        parser.add_argument("--year", required=True)
        parser.add_argument("--format", required=True, help=", ".join(FORMATS))
        parser.add_argument("--language", default="zh-hans", help="zh-hans or en")
        parser.add_argument("--output", required=True, help="file to write")

    def handle(self, *args, **opts):
        language = opts["language"]
        with translation.override(language if language in ("zh-hans", "en") else "en"):
            try:
                check_language(language)
                fmt = check_format(opts["format"])
                year = parse_year(opts["year"])
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            if opts["region"]:
                region = Region.objects.filter(code=opts["region"]).first()
                if region is None:
                    raise CommandError(
                        _("No region with the code “%(code)s”.") % {"code": opts["region"]}
                    )
                scope = scope_for_region(region)
            else:
                station = Station.objects.filter(slug=opts["station"]).first()
                if station is None:
                    raise CommandError(
                        _("No station with the slug “%(slug)s”.") % {"slug": opts["station"]}
                    )
                scope = scope_for_station(station)
            file = export_summary(scope=scope, year=year, fmt=fmt, language=language)
        with open(opts["output"], "wb") as out:
            out.write(file.content)
        self.stdout.write(f"{opts['output']}: {len(file.content)} bytes")
