"""The PostgreSQL the web application uses: the council's own server named by DATABASE_URL,
or a private one started from the `pgserver` package under the user's data folder.

The application connects as `sufficiency_app`, a role that is neither a superuser nor exempt
from row-level security, so the database's second wall (see models.py) holds for every
request; the embedded server's superuser only creates that role and its database.
"""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from ..errors import InputError

APP_ROLE = "sufficiency_app"
APP_DATABASE = "sufficiency"


def settings_from_url(url: str) -> dict:
    """A Django DATABASES entry from a postgresql:// address (a socket folder may be given
    as ?host=/path, as libpq allows)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise InputError(f"DATABASE_URL must start postgresql:// (got {parts.scheme or 'no scheme'}://...).")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    host = query.pop("host", parts.hostname or "")
    port = query.pop("port", str(parts.port or ""))
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or APP_DATABASE,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": port,
        "OPTIONS": query,
        "CONN_MAX_AGE": 0,  # a connection per request, so no request inherits another's app.council
    }


def embedded(folder: Path):
    """Start (or reuse) a private PostgreSQL with its data in `folder`; make the application's
    role and database if they are missing. Returns (server, url); the server stops when the
    last process using it exits."""
    import pgserver

    folder.mkdir(parents=True, exist_ok=True)
    forget_dead_users(folder)
    server = pgserver.get_server(folder, cleanup_mode="stop")
    secret = folder / "app-password"
    if not secret.exists():
        secret.write_text(secrets.token_urlsafe(24))
        secret.chmod(0o600)
    password = secret.read_text().strip()
    try:
        make_app_role(server.psql, password)
    except subprocess.CalledProcessError:
        raise InputError(f"The private PostgreSQL in {folder} does not answer: a server killed a moment ago may "
                         f"still be exiting. Start serve again in a minute; its log is {folder / 'log'}.") from None
    info = server.get_postmaster_info()
    return server, f"postgresql://{APP_ROLE}:{password}@/{APP_DATABASE}?host={info.socket_dir}&port={info.port}"


def forget_dead_users(folder: Path) -> None:
    """Strike from pgserver's list of the processes using the server in `folder` those no longer
    running. pgserver stops its server when the last process on that list exits; a `serve`
    killed with SIGKILL never leaves the list, so without this the next `serve` on the folder
    would find the server still running (a killed serve leaves it so), use it, and never stop it."""
    import psutil
    from pgserver.postgres_server import PostgresServer
    from pgserver.utils import DiskList

    def alive(pid: int) -> bool:
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    users = DiskList(folder.resolve() / ".handle_pids.json")
    with PostgresServer._lock:  # pgserver's own lock over that list, across processes
        pids = users.get()
        if any(not alive(pid) for pid in pids):
            users.put([pid for pid in pids if alive(pid)])


def make_app_role(psql, password: str) -> None:
    """Create the application's role (it may create databases, for the test run) and database,
    through `psql(sql)` run as a superuser; the password is reset each time."""
    quoted = password.replace("'", "''")
    psql(f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS CREATEDB;
        END IF;
    END $$;
    ALTER ROLE {APP_ROLE} PASSWORD '{quoted}';""")
    if APP_DATABASE not in psql(f"SELECT datname FROM pg_database WHERE datname = '{APP_DATABASE}';"):
        psql(f"CREATE DATABASE {APP_DATABASE} OWNER {APP_ROLE};")


def check_role(connection) -> None:
    """Refuse to run as a role that row-level security does not apply to."""
    with connection.cursor() as cur:
        cur.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        (exempt,) = cur.fetchone()
    if exempt:
        raise InputError("DATABASE_URL connects as a superuser or a role that bypasses row-level security; "
                         "give sufficiency a role of its own without them (docs/web.md says how).")
