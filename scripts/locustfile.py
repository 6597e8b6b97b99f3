"""The simulated people of the load test (scripts/loadtest.py, docs/load.md).

Two scenarios, read from a plan file (JSON, written by scripts/loadtest.py:
the address of the portal, the session cookies and client addresses of the
logged-in residents, the rush event):

- browse: anonymous visitors and logged-in residents reading the public site
  in both languages (home, station pages, the event list and event pages,
  notices, the handbook, consultation topics and free times); the residents
  also register for events and book consultations, through the real forms
  (CSRF token from the page, then the POST).
- rush: every simulated resident waits for the moment the rush event opens
  its registration (within a spread of `rush_spread` seconds), opens its page
  and registers once, then stops.

Every simulated resident has its own client address on the loopback network
(127.x.y.z), as distinct people have: the portal limits registrations and
bookings per address.

Run by scripts/loadtest.py in a process of its own, as

    python scripts/locustfile.py --plan plan.json --scenario browse|rush \\
        --users 50 --duration 60 --out result.json

which runs locust headless (as a library) and writes the figures as JSON:
per request type the count, failures, requests per second, median and p95
latency (exact, from every request's time). With LOAD_PLAN=plan.json in the
environment, `locust -f scripts/locustfile.py` also runs it interactively.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import sys
import time

import gevent
from locust import HttpUser, between, events, task
from locust.exception import StopUser
from requests.adapters import HTTPAdapter

PLAN: dict = {}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CHANNEL = re.compile(r'name="channel" value="([^"]+)"')


def load_plan(path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        PLAN.update(json.load(fh))


if os.environ.get("LOAD_PLAN"):
    load_plan(os.environ["LOAD_PLAN"])

_people: dict[str, itertools.count] = {}


def next_person(kind: str) -> dict:
    """The next simulated resident of `kind` (each one used by one user only)."""
    index = next(_people.setdefault(kind, itertools.count()))
    people = PLAN[kind]
    if index >= len(people):
        raise StopUser()
    return people[index]


class SourceAddress(HTTPAdapter):
    """Connections from one loopback address: one simulated person's."""

    def __init__(self, address: str, **kwargs):
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, connections, maxsize, block=False, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(connections, maxsize, block, **kwargs)


def links(html: str, pattern: str) -> list[str]:
    return sorted(set(re.findall(pattern, html)))


class PortalUser(HttpUser):
    abstract = True
    language = "zh-hans"

    def use(self, person: dict) -> None:
        self.client.mount("http://", SourceAddress(person["address"]))
        if person.get("session"):
            host = PLAN["host_name"]
            self.client.cookies.set(PLAN["session_cookie"], person["session"], domain=host)
        self.language = person.get("language") or random.choice(["zh-hans", "en"])

    def page(self, path: str, name: str, *, expect=(200,)) -> str:
        """GET `path`; a status outside `expect` counts as a failure."""
        with self.client.get(path, name=name, catch_response=True,
                             allow_redirects=False) as response:
            if response.status_code not in expect:
                response.failure(f"status {response.status_code}")
                return ""
            response.success()
            return response.text

    def post_form(self, path: str, name: str, html: str, data: dict, *, expect=(302,)):
        token = CSRF.search(html)
        if token is None:
            return None
        with self.client.post(
            path,
            data={"csrfmiddlewaretoken": token.group(1), **data},
            headers={"Referer": PLAN["host"] + path},
            name=name,
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code not in expect:
                response.failure(f"status {response.status_code}")
            else:
                response.success()
            return response

    # --- what a reader does -------------------------------------------------------------

    def list_and_open(self, path: str, name: str, link: str, item: str) -> None:
        """GET the list at `path`, then one of the pages it links to (`link`,
        a pattern with the address as its first group)."""
        found = links(self.page(path, name), link)
        if found:
            self.page(random.choice(found), item)

    def read_home(self):
        lang = self.language
        self.list_and_open(f"/{lang}/", f"home ({lang})", rf'href="(/{lang}/stations/[\w-]+/)"',
                           "station page")

    def read_events(self):
        lang = self.language
        page = random.choice(["", "", "?page=2", "?has_places=on"])
        self.list_and_open(f"/{lang}/events/{page}", f"event list ({lang})",
                           rf'href="(/{lang}/events/\d+/)"', f"event detail ({lang})")

    def read_notices(self):
        lang = self.language
        self.list_and_open(f"/{lang}/notices/", f"notices ({lang})",
                           rf'href="(/{lang}/notices/\d+/)"', "notice")

    def read_handbook(self):
        lang = self.language
        self.list_and_open(f"/{lang}/guides/", f"handbook ({lang})",
                           rf'href="(/{lang}/guides/[\w-]+/[\w-]+/)"', "handbook page")

    def read_topics(self):
        lang = self.language
        self.page(f"/{lang}/consultations/", f"consultation topics ({lang})")
        topic = random.choice(PLAN["topics"])
        return self.page(f"/{lang}/consultations/{topic}/", "free times"), topic


class Visitor(PortalUser):
    """Somebody reading the public site without logging in."""

    weight = 3
    wait_time = between(0.5, 2)

    def on_start(self):
        self.use(next_person("visitors"))

    @task(3)
    def home(self):
        self.read_home()

    @task(5)
    def events(self):
        self.read_events()

    @task(2)
    def notices(self):
        self.read_notices()

    @task(2)
    def handbook(self):
        self.read_handbook()

    @task(1)
    def topics(self):
        self.read_topics()

    @task(1)
    def switch_language(self):
        other = "en" if self.language == "zh-hans" else "zh-hans"
        self.page(f"/language/{other}/?next=/{other}/", "language switch", expect=(302,))
        self.language = other


class Resident(PortalUser):
    """A resident logged in (session cookie of their own) who reads, registers
    for events and books consultations."""

    weight = 2
    wait_time = between(0.5, 2)

    def on_start(self):
        self.use(next_person("residents"))

    @task(2)
    def home(self):
        self.read_home()

    @task(4)
    def events(self):
        self.read_events()

    @task(1)
    def notices(self):
        self.read_notices()

    @task(1)
    def handbook(self):
        self.read_handbook()

    @task(1)
    def my_page(self):
        self.page(f"/{self.language}/my/", "my page")

    @task(2)
    def register(self):
        lang = self.language
        html = self.page(f"/{lang}/events/?has_places=on", f"event list ({lang})")
        found = links(html, rf'href="(/{lang}/events/(\d+)/)"')
        if not found:
            return
        path, pk = random.choice(found)
        html = self.page(path, f"event detail ({lang})")
        action = f"/{lang}/events/{pk}/register/"
        if action in html:
            self.post_form(action, "register for an event", html, {})

    @task(1)
    def book(self):
        html, topic = self.read_topics()
        slots = links(html, rf'href="(/{self.language}/consultations/{topic}/book/\d+/\w+/)')
        if not slots:
            return
        path = random.choice(slots)
        form = self.page(path, "booking form", expect=(200, 409))
        channels = CHANNEL.findall(form)
        if channels:
            # 409: somebody else took the slot a moment earlier, which the
            # portal answers with the other free times: not a failure
            self.post_form(path, "book a consultation", form, {"channel": channels[0]},
                           expect=(302, 409))


class RushResident(PortalUser):
    """One of the residents waiting for the rush event to open: opens its page
    at the opening (within the spread), registers once and leaves."""

    wait_time = between(0, 0)

    def on_start(self):
        self.use(next_person("rush"))
        start = PLAN["rush_opens_at"] + random.uniform(0, PLAN["rush_spread"])
        gevent.sleep(max(0.0, start - time.time()))

    @task
    def register(self):
        lang = self.language
        event = PLAN["rush_event"]
        html = self.page(f"/{lang}/events/{event}/", "rush: event page")
        action = f"/{lang}/events/{event}/register/"
        if action not in html:
            self.environment.events.request.fire(
                request_type="POST", name="rush: register", response_time=0,
                response_length=0, exception=RuntimeError("no registration form"),
                context={},
            )
        else:
            self.post_form(action, "rush: register", html, {})
        raise StopUser()


# --- running headless, as a library ----------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def run(scenario: str, *, users: int, spawn_rate: float, duration: float) -> dict:
    from locust.env import Environment

    classes = {"browse": [Visitor, Resident], "rush": [RushResident]}[scenario]
    env = Environment(user_classes=classes, host=PLAN["host"], events=events)
    times: dict[tuple[str, str], list[float]] = {}
    failures: dict[tuple[str, str], int] = {}
    samples: dict[tuple[str, str], list[str]] = {}

    def on_request(request_type, name, response_time, exception=None, **_kwargs):
        key = (request_type, name)
        times.setdefault(key, []).append(response_time)
        if exception is not None:
            failures[key] = failures.get(key, 0) + 1
            samples.setdefault(key, [])
            if len(samples[key]) < 3:
                samples[key].append(str(exception)[:200])

    env.events.request.add_listener(on_request)
    runner = env.create_local_runner()
    started = time.time()
    runner.start(users, spawn_rate=spawn_rate)
    if scenario == "rush":
        # until every resident has registered and left, or the time is up
        deadline = started + duration
        gevent.sleep(1)
        while time.time() < deadline and runner.user_count > 0:
            gevent.sleep(0.2)
    else:
        gevent.sleep(duration)
    runner.quit()
    elapsed = time.time() - started

    def figures(values: list[float], failed: int) -> dict:
        return {
            "requests": len(values),
            "failures": failed,
            "rps": len(values) / elapsed if elapsed else 0.0,
            "median_ms": percentile(values, 0.5),
            "p95_ms": percentile(values, 0.95),
        }

    rows = {
        f"{method} {name}": {**figures(values, failures.get((method, name), 0)),
                             "samples": samples.get((method, name), [])}
        for (method, name), values in sorted(times.items(), key=lambda kv: kv[0][1])
    }
    every = [v for values in times.values() for v in values]
    return {
        "scenario": scenario,
        "users": users,
        "elapsed_s": elapsed,
        "started_at": started,
        "requests": rows,
        "total": figures(every, sum(failures.values())),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", required=True)
    parser.add_argument("--scenario", choices=["browse", "rush"], required=True)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--spawn-rate", type=float, default=50)
    parser.add_argument("--duration", type=float, required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    load_plan(args.plan)
    result = run(args.scenario, users=args.users, spawn_rate=args.spawn_rate,
                 duration=args.duration)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
