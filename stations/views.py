from django.shortcuts import render

from .selectors import station_list_public, stations_by_district


def home(request):
    stations = list(station_list_public())
    return render(
        request,
        "stations/home.html",
        {"districts": stations_by_district(stations), "station_count": len(stations)},
    )
