"""The worker: claims queued jobs from the job table and runs them through `sufficiency.api`.

A job is claimed with SELECT ... FOR UPDATE SKIP LOCKED, so several workers (threads of
`serve`, or processes on a server) never run the same job, and a council's jobs run one at a
time. Progress and a heartbeat are written to the job's row as it runs; a running job whose
heartbeat is older than STALE_SECONDS (its worker died with the server) is queued again.
The worker's database connection sees every council's rows (app.council '*').
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import socket
import threading
import time

from django.db import close_old_connections, connection, connections, transaction
from django.utils import timezone

from .. import api
from ..errors import SufficiencyError
from . import region_work
from .models import Job
from .roles import EVERY_COUNCIL, set_scope

log = logging.getLogger(__name__)
STALE_SECONDS = 60
BEAT_EVERY = 10  # seconds between heartbeats of a running job
PROGRESS_EVERY = 1.0  # at most one progress write a second
WORKER = f"{socket.gethostname()}:{os.getpid()}"
CLAIM_LOCK = 903_2101  # the advisory lock every claim holds until it commits


def requeue_stale() -> int:
    """Queue again every running job whose worker has stopped beating; how many."""
    cutoff = timezone.now() - dt.timedelta(seconds=STALE_SECONDS)
    return Job.objects.filter(status="running", heartbeat__lt=cutoff).update(
        status="queued", step="queued again: the server stopped while it ran", worker="")


def claim() -> Job | None:
    """The oldest queued job of a council with no job running, marked running; or None.
    Claims are taken one at a time (a transaction-level advisory lock), so a claim sees every
    job an earlier claim marked running and two jobs of one council never run at once."""
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [CLAIM_LOCK])
        busy = Job.objects.filter(status="running", council__isnull=False).values("council_id")
        job = (Job.objects.select_for_update(skip_locked=True).filter(status="queued")
               .exclude(council_id__in=busy).order_by("id").first())
        if job is None:
            return None
        now = timezone.now()
        job.status, job.started_at, job.heartbeat, job.worker, job.step = "running", now, now, WORKER, "starting"
        job.save(update_fields=["status", "started_at", "heartbeat", "worker", "step"])
        return job


def _progress(job: Job):
    last = [0.0]

    def update(step: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY:
            return
        last[0] = now
        Job.objects.filter(pk=job.pk).update(step=step[:200], progress=done / max(total, 1),
                                             heartbeat=timezone.now())
    return update


def write_reports(council) -> None:
    """The council's report, suppressed (public) and with small numbers (internal), HTML and
    workbook, each written beside the old one and then moved over it."""
    for small in (False, True):
        html = council.report_file("html", small)
        new = html.parent.with_name(f".new-{html.parent.name}")
        shutil.rmtree(new, ignore_errors=True)
        api.report(api.ReportOptions(db=council.store, out=new / html.name, xlsx=new / "tables.xlsx",
                                     suppression=not small))
        html.parent.mkdir(parents=True, exist_ok=True)
        for name in (html.name, "tables.xlsx"):
            os.replace(new / name, html.parent / name)
        shutil.rmtree(new, ignore_errors=True)


def run(job: Job) -> str:
    """Do the job's work; the sentence saying what was done."""
    if job.kind in region_work.KINDS:
        return region_work.run(job, _progress(job))
    council, progress = job.council, _progress(job)
    council.folder.mkdir(parents=True, exist_ok=True)
    if job.kind == "load":
        result = api.load(api.LoadOptions(path=job.upload.folder, db=council.store, la=council.code), progress)
        done = (f"Loaded {result.tables['rows'].sum():,} rows into the store "
                f"({result.errors:,} errors, {result.warnings:,} warnings).")
    elif job.kind == "forecast":
        options = api.ForecastOptions(db=council.store, **job.options)
        result = api.forecast(options, progress)
        last = result.totals.iloc[-1]
        done = (f"Forecast {options.years} years, {options.runs:,} runs: about {last['median']:,.0f} children "
                f"in care on {last['date']:%d %B %Y} ({last['low']:,.0f} to {last['high']:,.0f}).")
    else:
        raise SufficiencyError(f"There is no job of kind {job.kind!r}.")
    Job.objects.filter(pk=job.pk).update(step="writing the report", heartbeat=timezone.now())
    write_reports(council)
    return done


def finish(job: Job, status: str, message: str) -> None:
    Job.objects.filter(pk=job.pk).update(status=status, message=message, finished_at=timezone.now(),
                                         progress=1.0 if status == "done" else job.progress, step=status)


@contextlib.contextmanager
def beating(job: Job):
    """Write the job's heartbeat every BEAT_EVERY seconds while the block runs (from a thread of
    its own, so a long step without progress is not taken for a dead worker)."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(BEAT_EVERY):
                set_scope(EVERY_COUNCIL)
                Job.objects.filter(pk=job.pk, status="running").update(heartbeat=timezone.now())
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"sufficiency-job-{job.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run_one() -> bool:
    """Claim and run one job; False if there was none."""
    set_scope(EVERY_COUNCIL)
    job = claim()
    if job is None:
        return False
    try:
        with beating(job):
            message = run(job)
        finish(job, "done", message)
    except SufficiencyError as exc:
        finish(job, "failed", str(exc))
    except Exception as exc:  # noqa: BLE001 - a fault in one job must not stop the worker
        log.exception("job %s failed", job.pk)
        finish(job, "failed", f"Internal error ({type(exc).__name__}: {exc}); this is a fault in sufficiency.")
    return True


def work(stop: threading.Event, poll: float = 1.0) -> None:
    """Run jobs until `stop` is set, looking for new ones every `poll` seconds."""
    try:
        while not stop.is_set():
            close_old_connections()
            try:
                set_scope(EVERY_COUNCIL)
                requeue_stale()
                busy = run_one()
            except Exception:  # noqa: BLE001 - the database may be restarting; try again
                log.exception("worker: cannot reach the job table")
                busy = False
            if not busy:
                stop.wait(poll)
    finally:
        connections.close_all()  # this thread's connections


def start_worker(poll: float = 1.0) -> tuple[threading.Thread, threading.Event]:
    """The worker in a daemon thread; set the event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=work, args=(stop, poll), name="sufficiency-worker", daemon=True)
    thread.start()
    return thread, stop
