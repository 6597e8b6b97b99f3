from django.shortcuts import render

from .selectors import station_list_public, stations_by_district


def home(request):
    """The public directory: active stations grouped by district.

    A fixed number of queries whatever the number of stations: one for the
    stations with their region chain (see station_list_public)."""
    stations = list(station_list_public())
    districts = [
        {
            "district": district,
            "anchor": f"district-{district.code}" if district else "city-wide",
            "stations": members,
        }
        for district, members in stations_by_district(stations)
    ]
    return render(
        request,
        "stations/home.html",
        {"districts": districts, "station_count": len(stations)},
    )
