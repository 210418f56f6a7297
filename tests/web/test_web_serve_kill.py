"""What a `serve` killed without a word (SIGKILL) leaves behind: its worker processes see it is
gone and stop within seconds, a job one of them was running is queued again at once, and a later
`serve` on the same data folder starts on the private PostgreSQL the killed one left running (or
starts it again, if it was killed too), then stops it when it is itself stopped. A stop that
DuckDB turns into its own error still queues the job again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from test_web_jobs_workers import queue, stores, wait_for  # noqa: F401  (stores: a fixture)
from test_web_serve import free_port, processes_naming, wait_for_page
from web_helpers import everything

GONE_WITHIN = 30  # seconds; a worker looks for its serve every second (jobs.PARENT_EVERY)


def source_env() -> dict:
    import sufficiency

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(sufficiency.__file__).parents[1]),
                                         *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def start_serve(home: Path, workers: int) -> tuple[subprocess.Popen, int]:
    """`sufficiency serve` on 127.0.0.1 with its own private PostgreSQL in `home`, once it answers."""
    port = free_port()
    serve = subprocess.Popen([sys.executable, "-m", "sufficiency", "serve", "--data", str(home), "--port", str(port),
                              "--workers", str(workers)], env=source_env(), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
    said = []
    for line in serve.stdout:
        said.append(line)
        if line.startswith("Open http://"):
            break
    threading.Thread(target=lambda: said.extend(serve.stdout), daemon=True).start()  # never a full pipe
    try:
        wait_for_page(f"http://127.0.0.1:{port}/signin/")
    except OSError:
        raise AssertionError("serve did not answer; it said:\n" + "".join(said)) from None
    return serve, port


def gone(processes, seconds: float) -> list:
    """Wait up to `seconds` for `processes` (psutil) to exit; those still running."""
    import psutil

    def running(p) -> bool:
        try:
            return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    end = time.monotonic() + seconds
    while any(running(p) for p in processes) and time.monotonic() < end:
        time.sleep(0.2)
    return [p for p in processes if running(p)]


def reaped(processes, seconds: float) -> None:
    """Wait up to `seconds` until no process of `processes` exists, not even as a zombie."""
    import psutil

    end = time.monotonic() + seconds
    while any(psutil.pid_exists(p.pid) for p in processes):
        assert time.monotonic() < end, "a killed process was not reaped"
        time.sleep(0.2)


def worker_processes(pid: int) -> list:
    import psutil

    return [p for p in psutil.Process(pid).children() if "--worker-only" in " ".join(p.cmdline())]


def test_workers_of_a_killed_serve_stop_and_a_later_serve_starts_and_stops_cleanly():
    """Killed alone, serve leaves its PostgreSQL running for the next serve; killed with its
    PostgreSQL (as when the machine stops), the next serve starts PostgreSQL again."""
    home = Path(tempfile.mkdtemp(prefix="sufficiency-kill-test-"))
    postgres = str(home / "postgres")
    try:
        first, _port = start_serve(home, workers=2)
        workers = worker_processes(first.pid)
        assert len(workers) == 2 and processes_naming(postgres)
        first.kill()
        first.wait()
        assert gone(workers, GONE_WITHIN) == [], "a worker outlived its killed serve"
        left = processes_naming(postgres)
        assert left  # the private PostgreSQL was left running

        second, _port = start_serve(home, workers=1)
        assert {p.pid for p in left} <= {p.pid for p in processes_naming(postgres)}  # the same server, used again
        workers = worker_processes(second.pid)
        second.kill()
        killed = processes_naming(postgres)
        for p in killed:
            p.kill()
        second.wait()
        assert gone(workers, GONE_WITHIN) == []
        reaped(killed, GONE_WITHIN)  # as after a restart (pgserver takes a zombie for a running server)

        third, port = start_serve(home, workers=1)  # on a stale postmaster.pid, after a crash
        assert len(worker_processes(third.pid)) == 1
        assert wait_for_page(f"http://127.0.0.1:{port}/signin/").status == 200
        third.send_signal(signal.SIGTERM)
        assert third.wait(90) == 0
        time.sleep(1)
        assert processes_naming(postgres) == []  # stopped by the serve that found it, despite the killed ones
    finally:
        for p in processes_naming(str(home)):
            p.kill()
        import shutil

        shutil.rmtree(home, ignore_errors=True)


PARENT = """
import sys, time
from pathlib import Path
from sufficiency.web.server import Ready, start_workers
start_workers(Ready(Path(sys.argv[1]), "", None, None, sys.argv[2]), 1)
time.sleep(600)
"""


def test_a_job_running_when_serve_is_killed_is_queued_again_and_its_worker_stops(fresh_jobs, web, people, stores):  # noqa: F811
    """start_workers as `serve` calls it, from a process then killed with SIGKILL."""
    from urllib.parse import quote

    import psutil
    from django.db import connection

    from sufficiency.web.models import Job

    db = connection.settings_dict
    url = (f"postgresql://{quote(db['USER'])}:{quote(db['PASSWORD'], safe='')}@/{db['NAME']}"
           f"?host={db['HOST']}&port={db['PORT']}")
    job = queue(stores[0], people["administrator"], runs=2000)
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(web), url], env=source_env(), stdin=subprocess.DEVNULL)
    worker = None
    try:
        wait_for(lambda: (j := Job.objects.get(pk=job.pk)).status == "running" and j.step != "starting",
                 "the job to report its first step", [parent])
        (worker,) = psutil.Process(parent.pid).children()
        parent.kill()
        parent.wait()
        assert gone([worker], GONE_WITHIN) == [], "the worker outlived its killed serve"
    finally:
        if worker is None and parent.poll() is None:  # the job never started: find the worker to end it
            worker = next(iter(psutil.Process(parent.pid).children()), None)
        parent.kill()
        parent.wait()
        if worker is not None and gone([worker], 0):
            worker.kill()
    again = wait_for(lambda: (j := Job.objects.get(pk=job.pk)).status != "running" and j, "the job to be let go")
    assert again.status == "queued" and again.worker == "" and "worker was stopped" in again.step


def test_a_stop_that_comes_in_the_middle_of_a_duckdb_query_still_queues_the_job_again(fresh_jobs, people, councils,
                                                                                      monkeypatch):
    """DuckDB answers a signal that arrives during its query with an error of its own (Query
    interrupted) rather than the worker's Stopped: the job is queued again all the same, not failed."""
    import duckdb

    from sufficiency.web import jobs, tasks
    from sufficiency.web.models import Job

    def long_query(_job, _progress):
        threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM)).start()
        duckdb.connect().execute("SELECT count(*) FROM range(100000000000) a, range(10) b").fetchall()
        return "the query was not interrupted"

    job = queue(councils["E06000001"], people["administrator"])
    monkeypatch.setattr(tasks, "run", long_query)
    handlers = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    try:
        jobs.work_process(poll=0.1)  # returns once stopped
    finally:
        signal.signal(signal.SIGTERM, handlers[0])
        signal.signal(signal.SIGINT, handlers[1])
    everything()
    again = Job.objects.get(pk=job.pk)
    assert again.status == "queued" and "worker was stopped" in again.step, (again.status, again.message)
