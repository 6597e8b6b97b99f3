"""What a person sees when a request fails on the server's side.

`server_error` is the project's handler500 (config/urls.py). Django calls it
inside the `except` of the failed request, so it can tell two cases apart
(`bad_request`, the handler400, does the same for the session that could not
be saved):

- the database is unreachable or went away in the middle of the request
  (PostgreSQL restarting, a failover, a dropped connection): 503 with
  Retry-After and a page that says to try again in a minute. Nothing the
  person saved before is lost: the request's transaction was rolled back as
  a whole, and the next request opens a new connection (CONN_HEALTH_CHECKS);
- anything else: 500, "something went wrong on our side".

Both pages render without the request's context (no session, no user, no
query), so they show even when the database is down; both are in the
language of the address (/zh-hans/ or /en/), which needs no database either.
Under /api/ the answer is JSON in the API's error shape, {"detail", "errors"}.
docs/faults.md shows the 503 under a PostgreSQL restart (scripts/faults.py).
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

# what the 503 asks clients and proxies to wait before trying again
RETRY_AFTER_SECONDS = 30


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc`, or an error it was raised from or while handling, says
    the database could not be reached or dropped the connection (psycopg2's
    OperationalError, or a closed connection's InterfaceError), as opposed to
    a fault of the code or the data."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, (OperationalError, InterfaceError)):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def bad_request(request, exception, template_name: str = "400.html"):
    """handler400. Django's database sessions turn a failed save into
    SessionInterrupted, a 400; when the failure was the database going away,
    that is the 503 of an unavailable database, not a bad request."""
    if database_unavailable(exception):
        return _answer(request, unavailable=True, template_name="500.html")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("The request could not be understood."), "errors": {}},
                            status=400)
    return HttpResponse(loader.get_template(template_name).render({}), status=400)


def server_error(request, template_name: str = "500.html"):
    return _answer(request, unavailable=database_unavailable(sys.exc_info()[1]),
                   template_name=template_name)


def _answer(request, *, unavailable: bool, template_name: str):
    status = 503 if unavailable else 500
    if request.path.startswith("/api/"):
        if unavailable:
            detail = _("The service is briefly unavailable. Please try again in a minute.")
        else:
            detail = _("Something went wrong on our side. The error has been recorded.")
        response = JsonResponse({"detail": detail, "errors": {}}, status=status)
    else:
        name = "errors/unavailable.html" if unavailable else template_name
        response = HttpResponse(loader.get_template(name).render({}), status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
