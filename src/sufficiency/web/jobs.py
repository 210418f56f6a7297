"""The worker: claims queued jobs from the job table and runs them (tasks.py, through
`sufficiency.api`).

`sufficiency serve` starts the worker in processes of its own (`serve --worker-only`, which
calls `work_process`), so a long forecast does not slow the pages; several workers, on one
machine or on several sharing one database, may run at once. A job is claimed with
SELECT ... FOR UPDATE SKIP LOCKED, so no two workers take the same job, and the database's
unique index on running jobs' councils (migration 0003_jobs) means no two take jobs of one
council at once. Progress and a heartbeat are written to the job's row as it runs; a running
job whose heartbeat is older than STALE_SECONDS (its worker was killed) is queued again, and a
worker asked to stop (SIGTERM, Ctrl-C) queues its job again at once. A worker `serve` started
stops in the same way when that `serve` is gone, even if it was killed (watch_parent).
The worker's database connection sees every council's rows (app.council '*').
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import socket
import threading
import time

from django.db import IntegrityError, close_old_connections, connection, connections, transaction
from django.utils import timezone

from ..errors import SufficiencyError
from . import tasks
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
        status="queued", step="queued again: its worker stopped while it ran", worker="")


class Stopped(BaseException):
    """The worker's process was asked to stop while it ran a job."""


def claim() -> Job | None:
    """The oldest queued job of a council with no job running, marked running; or None.

    Two workers may both see a council idle (neither sees the other's claim before it
    commits); the second one's update then waits on the unique index of running jobs and fails
    when the first commits, and that council is passed over."""
    taken: set[int] = set()
    while True:
        job = None
        try:
            with transaction.atomic():
                with connection.cursor() as cur:  # claims one at a time: each sees the last one's
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", [CLAIM_LOCK])
                busy = Job.objects.filter(status="running", council__isnull=False).values("council_id")
                job = (Job.objects.select_for_update(skip_locked=True).filter(status="queued")
                       .exclude(council_id__in=busy).exclude(council_id__in=taken).order_by("id").first())
                if job is None:
                    return None
                now = timezone.now()
                job.status, job.started_at, job.heartbeat = "running", now, now
                job.worker, job.step, job.progress = WORKER, "starting", 0.0
                job.save(update_fields=["status", "started_at", "heartbeat", "worker", "step", "progress"])
                return job
        except IntegrityError:
            taken.add(job.council_id)  # another worker started this council's job a moment ago


def requeue(job: Job, why: str) -> None:
    """Put a job this worker was running back in the queue."""
    Job.objects.filter(pk=job.pk, status="running").update(status="queued", step=why, worker="", progress=0.0)


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


_IN_JOB = threading.Event()  # set while this process's main thread runs a job (see work_process)
_STOPPING = threading.Event()  # set once this process is asked to stop (see work_process)


def run_one() -> bool:
    """Claim and run one job; False if there was none. A job stopped by `Stopped` is queued
    again and the exception raised on."""
    set_scope(EVERY_COUNCIL)
    job = claim()
    if job is None:
        return False
    try:
        with beating(job):
            _IN_JOB.set()
            try:
                message = tasks.run(job, _progress(job))
            finally:
                _IN_JOB.clear()
        finish(job, "done", message)
    except Stopped:
        _let_go(job)
        raise
    except Exception as exc:  # noqa: BLE001 - a fault in one job must not stop the worker
        if _STOPPING.is_set():  # DuckDB turns a stop that comes in the middle of its query into its own error
            _let_go(job)
            raise Stopped("stopped in the middle of a query") from exc
        if isinstance(exc, SufficiencyError):
            finish(job, "failed", str(exc))
        else:
            log.exception("job %s failed", job.pk)
            finish(job, "failed", f"Internal error ({type(exc).__name__}: {exc}); this is a fault in sufficiency.")
    return True


def _let_go(job: Job) -> None:
    """Queue again a job its worker was asked to stop in the middle of."""
    connections.close_all()  # the stop may have come in the middle of a query
    set_scope(EVERY_COUNCIL)
    requeue(job, "queued again: its worker was stopped")


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


def work_process(poll: float = 1.0, parent: int | None = None) -> None:
    """The worker as the main thread of a process of its own, until SIGTERM or SIGINT: a job
    running then is interrupted and queued again, for the next worker to run from the start.
    Given the pid of the `serve` that started it (`parent`), it also stops so when that process
    is gone (watch_parent), even if it was killed without a word (SIGKILL)."""
    stop = threading.Event()

    def on_signal(signum, _frame) -> None:
        stop.set()
        _STOPPING.set()
        if _IN_JOB.is_set():
            raise Stopped(signal.Signals(signum).name)

    _STOPPING.clear()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if parent is not None:
        watch_parent(parent)
    try:
        work(stop, poll)
    except Stopped:
        pass


PARENT_EVERY = 1.0  # seconds between looks at whether the worker's `serve` is still there


def watch_parent(parent: int, every: float = PARENT_EVERY) -> threading.Thread:
    """A daemon thread that sends this process SIGTERM once its parent is no longer `parent`,
    so the worker stops as it does when `serve` stops it: a job running is queued again at once.

    A process whose parent dies is handed to another (init, or a subreaper), so os.getppid()
    changes; looking every second works alike on Linux and macOS. Linux's
    prctl(PR_SET_PDEATHSIG) would be immediate but does not exist on macOS (and fires when the
    parent *thread* exits), and a pipe from the parent would need the parent's help at start;
    the look is cheap and a second's delay does not matter. If the parent was gone before the
    first look, the pid differs already and the worker stops at once."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        log.warning("worker %s: the serve that started it (pid %s) is gone; stopping", WORKER, parent)
        os.kill(os.getpid(), signal.SIGTERM)

    thread = threading.Thread(target=watch, name="sufficiency-parent-watch", daemon=True)
    thread.start()
    return thread


def start_worker(poll: float = 1.0) -> tuple[threading.Thread, threading.Event]:
    """The worker in a daemon thread of this process (for tests that serve pages and run jobs in
    one process); set the event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=work, args=(stop, poll), name="sufficiency-worker", daemon=True)
    thread.start()
    return thread, stop
