"""`sufficiency serve`: configure Django, make the database ready, start the worker and the server.

`configure` is also what the tests call: it points Django at the data folder and a
PostgreSQL (DATABASE_URL, or a private one started from `pgserver` under the data folder).
"""

from __future__ import annotations

import os
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
    the embedded server if one was started, and the first administrator's one-time password
    if one was made."""

    home: Path
    database: str
    embedded: object | None
    admin_password: str | None


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
    return Ready(home, url.split("@")[-1], server, password)


def add_demo(folder: Path):
    """The council of a folder `sufficiency demo` wrote (its demo.duckdb), added with a copy of
    its store and its report, so the first administrator has a council to look at."""
    import shutil

    from ..reference.authorities import find_authority
    from ..store import Store
    from .jobs import write_reports
    from .models import Council
    from .roles import EVERY_COUNCIL, set_scope

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


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1, threads: int = 8) -> None:
    """Start `workers` worker threads and the application under waitress (a production WSGI
    server, `threads` threads answering requests) until interrupted; call `prepare` first.
    The admin pages' static files are collected into the data folder and served beside the
    application (static.py); a request body over the upload limit is refused by waitress
    before it is read."""
    import logging

    from django.conf import settings
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from waitress.server import create_server

    from .jobs import start_worker
    from .static import StaticFiles
    from .uploads import MAX_UPLOAD_MB

    call_command("collectstatic", interactive=False, verbosity=0)
    app = StaticFiles(get_wsgi_application(), settings.STATIC_ROOT, settings.STATIC_URL)
    server = create_server(app, host=host, port=port, threads=threads, ident="sufficiency",
                           max_request_body_size=(MAX_UPLOAD_MB + 1) * 1_000_000)
    logging.basicConfig()  # the server's, Django's and the worker's warnings and errors on stderr
    running = [start_worker() for _ in range(workers)]
    try:
        server.run()
    finally:
        server.close()
        for _thread, stop in running:
            stop.set()
