"""`sufficiency serve`: configure Django, make the database ready, start the worker processes
and the server, and stop them all (and the private PostgreSQL) on SIGTERM or Ctrl-C.

`configure` is also what the tests call: it points Django at the data folder and a
PostgreSQL (DATABASE_URL, or a private one started from `pgserver` under the data folder).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError


def default_home() -> Path:
    """The user's data folder for the web application (platformdirs)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("sufficiency", appauthor=False)) / "web"


@dataclass
class Ready:
    """A configured web application: its data folder, database address (without password),
    the embedded server if one was started, the first administrator's one-time password if one
    was made, and the full address (with password) the worker processes are given."""

    home: Path
    database: str
    embedded: object | None
    admin_password: str | None
    url: str = ""


def configure(home: Path, database_url: str | None) -> tuple[str, object | None]:
    """Set Django up on `home` and the database; returns (url, embedded server or None)."""
    try:
        import django
    except ImportError:
        raise InputError("The web application needs Django, psycopg and pgserver: "
                         "pip install 'sufficiency[web]' (make demo and make test install them).") from None
    from .database import embedded

    server = None
    if not database_url:
        server, database_url = embedded(home / "postgres")
    os.environ["DATABASE_URL"] = database_url
    os.environ["SUFFICIENCY_WEB_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "sufficiency.web.settings"
    home.mkdir(parents=True, exist_ok=True)
    django.setup()
    return database_url, server


def prepare(home: Path | None = None, database_url: str | None = None) -> Ready:
    """Configure, check the database role, apply migrations, make the first administrator."""
    home = home or default_home()
    url, server = configure(home, database_url)
    from django.core.management import call_command
    from django.db import connection

    from .accounts import first_administrator
    from .database import check_role

    check_role(connection)
    call_command("migrate", verbosity=0, interactive=False)
    password = first_administrator()
    return Ready(home, url.split("@")[-1], server, password, url)


def add_demo(folder: Path):
    """The council of a folder `sufficiency demo` wrote (its demo.duckdb), added with a copy of
    its store and its report, so the first administrator has a council to look at."""
    import shutil

    from ..reference.authorities import find_authority
    from ..store import Store
    from .models import Council
    from .roles import EVERY_COUNCIL, set_scope
    from .tasks import write_reports

    db = folder / "demo.duckdb"
    if not db.exists():
        raise InputError(f"{folder} holds no demo.duckdb: run `sufficiency demo --out {folder}` (or `make demo`) first.")
    with Store(db) as store:
        code = store.meta().get("la_code")
    authority = find_authority(code)
    set_scope(EVERY_COUNCIL)
    council, _ = Council.objects.get_or_create(code=authority.code, defaults={"name": authority.name})
    council.folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(db, council.store)
    write_reports(council)
    return council


STOP_WAIT = 20  # seconds a worker process is given to queue its job again and exit before it is killed


PARENT_ENV = "SUFFICIENCY_SERVE_PID"  # given to the workers `serve` starts: the pid they watch


def serve_pid(environ) -> int | None:
    """The pid of the `serve` that started this worker, from its environment; None for a worker
    started by hand (`serve --worker-only`), which watches no parent."""
    value = environ.get(PARENT_ENV, "")
    return int(value) if value.isdigit() else None


def run_worker(home: Path | None = None, database_url: str | None = None, parent: int | None = None) -> None:
    """`serve --worker-only`: run jobs in this process until SIGTERM or Ctrl-C, against a
    database `serve` has already migrated; and, given the pid of the `serve` that started it
    (`parent`), until that process is gone, even killed with SIGKILL (jobs.watch_parent)."""
    configure(home or default_home(), database_url)
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from .database import check_role
    from .jobs import work_process

    check_role(connection)
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise InputError("The database is not ready for this version of sufficiency (its migrations are not "
                         "all applied): start `sufficiency serve`, which applies them, then the workers.")
    connection.close()
    work_process(parent=parent)


def start_workers(ready: Ready, count: int) -> list[subprocess.Popen]:
    """`count` worker processes (`sufficiency serve --worker-only`) on the same data folder and database."""
    command = [sys.executable, "-m", "sufficiency", "serve", "--worker-only", "--data", str(ready.home)]
    env = {**os.environ, "DATABASE_URL": ready.url, PARENT_ENV: str(os.getpid())}
    return [subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL) for _ in range(count)]


def stop_workers(workers: list[subprocess.Popen]) -> None:
    """Ask each worker to stop (a job running is queued again), killing any still running after STOP_WAIT."""
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(STOP_WAIT)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _interrupted(signum, _frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _http_server(host: str, port: int, threads: int):
    """The application under waitress (a production WSGI server, `threads` threads answering
    requests). The static files are collected into the data folder and served beside the
    application (static.py); a request body over the upload limit is refused by waitress
    before it is read."""
    import logging

    from django.conf import settings
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from waitress.server import create_server

    from .static import StaticFiles
    from .uploads import MAX_UPLOAD_MB

    call_command("collectstatic", interactive=False, verbosity=0)
    app = StaticFiles(get_wsgi_application(), settings.STATIC_ROOT, settings.STATIC_URL)
    logging.basicConfig()  # the server's and Django's warnings and errors on stderr
    return create_server(app, host=host, port=port, threads=threads, ident="sufficiency",
                         max_request_body_size=(MAX_UPLOAD_MB + 1) * 1_000_000)


def serve(ready: Ready, host: str = "127.0.0.1", port: int = 8000, workers: int = 1, threads: int = 8) -> None:
    """Start `workers` worker processes and the application under waitress until SIGTERM or
    Ctrl-C, then stop the workers and the private PostgreSQL if this process started it; call
    `prepare` first."""
    from django.db import connections

    server = _http_server(host, port, threads)
    connections.close_all()
    running = start_workers(ready, workers)
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        stop_workers(running)
        connections.close_all()
        if ready.embedded is not None:
            ready.embedded.cleanup()
