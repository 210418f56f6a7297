"""`sufficiency serve`: the web application on this machine."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from .app import guarded, out


@guarded
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; 127.0.0.1 keeps it to this machine.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    data: Annotated[Path | None, typer.Option(
        help="Folder for the councils' stores, uploads and the private database "
             "(default: the user's data folder).")] = None,
    workers: Annotated[int, typer.Option(
        min=0, help="Worker processes running jobs (load, forecast, backtest, compare, plan); 0 when "
                    "workers run elsewhere (serve --worker-only).")] = 1,
    worker_only: Annotated[bool, typer.Option(
        "--worker-only", help="Run only a worker, no pages: jobs from the database that a `serve` on "
                              "this data folder (or sharing its DATABASE_URL) has made ready.")] = False,
    threads: Annotated[int, typer.Option(min=1, help="Threads answering requests.")] = 8,
    demo: Annotated[Path | None, typer.Option(
        help="A folder `sufficiency demo` wrote (make demo: demo-output): its council is added, "
             "store and report, for the administrator to look at.")] = None,
) -> None:
    """Run the web application: sign in, upload returns, see the report, run forecasts.
    Uses the PostgreSQL named by DATABASE_URL, or starts a private one in the data folder.
    SIGTERM or Ctrl-C stops the server, its workers and the private PostgreSQL."""
    from ..web import server

    if worker_only:
        server.run_worker(data, os.environ.get("DATABASE_URL"), server.serve_pid(os.environ))
        return
    ready = server.prepare(data, os.environ.get("DATABASE_URL"))
    out.print(f"Data folder: {ready.home}\nDatabase: {ready.database}"
              f"{' (private, started here)' if ready.embedded else ''}")
    if ready.admin_password:
        out.print("First administrator made. User name: admin  One-time password: "
                  f"{ready.admin_password}\nThis is shown once; you will be asked to choose your own password.",
                  highlight=False)
    if demo:
        council = server.add_demo(demo)
        out.print(f"Demo council: {council.name}, loaded from {demo}.")
    out.print(f"Open http://{host}:{port}/ in a browser; Ctrl-C stops the server.")
    server.serve(ready, host, port, workers, threads)
