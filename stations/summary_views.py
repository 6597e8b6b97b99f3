"""Officials' yearly summaries on the public site (`/<lang>/summaries/`).

Officials are users with a RegionMembership. A summary spans stations, so it
is read with scopes disabled (stations.summary), after the region check:
a region or station outside the official's regions answers 404 like one that
does not exist. Pages and files hold counts only, never a resident."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language

from accounts.two_factor import verified_required

from .exporters import FORMAT_LABELS, check_format, export_summary
from .summary import (
    build_summary,
    official_choices,
    parse_year,
    summary_scope_for_official,
)

CHART_WIDTH = 100  # the SVG bars are drawn in a 0-100 viewBox


def _bars(summary) -> None:
    """Bar lengths (0-100) for each breakdown cell, drawn as SVG on the page."""
    for section in summary.sections:
        for line in section.lines:
            top = max([max(c.current, c.previous) for c in line.cells] + [1])
            for cell in line.cells:
                cell.bar_current = round(float(cell.current) / float(top) * CHART_WIDTH, 1)
                cell.bar_previous = round(float(cell.previous) / float(top) * CHART_WIDTH, 1)


def _parse(request):
    """(scope, year, errors) from the query string; scope None until chosen."""
    errors = []
    today = timezone.localdate()
    year = today.year - 1
    if request.GET.get("year"):
        try:
            year = parse_year(request.GET["year"], today=today)
        except ValidationError as exc:
            errors.extend(exc.messages)
    scope = None
    if request.GET.get("scope"):
        scope = summary_scope_for_official(request.user, request.GET["scope"])
    return scope, year, errors


def _page(request, choices, scope, year, errors, summary=None):
    context = {
        "choices": choices,
        "scope": scope,
        "year": year,
        "errors": errors,
        "summary": summary,
        "formats": FORMAT_LABELS.items(),
    }
    return render(request, "stations/summaries.html", context, status=400 if errors else 200)


def _official_choices(request):
    """The official's regions and stations; 404 for anyone who is not an official."""
    choices = official_choices(request.user)
    if not choices:
        raise Http404
    return choices


@verified_required
def summaries(request):
    """The scopes the official may choose, and the chosen summary with charts."""
    choices = _official_choices(request)
    scope, year, errors = _parse(request)
    summary = None
    if scope is not None and not errors:
        summary = build_summary(scope, year, get_language())
        _bars(summary)
    return _page(request, choices, scope, year, errors, summary)


@verified_required
def summary_download(request):
    """The chosen summary as a file in the page's language."""
    choices = _official_choices(request)
    scope, year, errors = _parse(request)
    if scope is None:
        raise Http404
    try:
        fmt = check_format(request.GET.get("format", ""))
    except ValidationError as exc:
        errors.extend(exc.messages)
    if errors:
        return _page(request, choices, scope, year, errors)
    file = export_summary(scope=scope, year=year, fmt=fmt, language=get_language())
    response = HttpResponse(file.content, content_type=file.mimetype)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response
