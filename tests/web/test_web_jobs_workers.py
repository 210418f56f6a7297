"""Workers as real processes on the real database (`sufficiency serve --worker-only`): two
workers claiming at one moment never run two jobs of one council; a job whose worker is killed
is queued again and finished by a new worker; a worker stopped with SIGTERM queues its job again
at once."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from web_helpers import DARLINGTON, HARTLEPOOL, everything


@pytest.fixture(scope="module")
def stores(councils, returns):
    """Hartlepool's store loaded from the synthetic returns, and a copy of it as Darlington's
    (removed afterwards: other tests expect Darlington to have nothing loaded)."""
    from sufficiency import api

    hart, darl = councils[HARTLEPOOL[0]], councils[DARLINGTON[0]]
    hart.folder.mkdir(parents=True, exist_ok=True)
    api.load(api.LoadOptions(path=returns, db=hart.store, la=HARTLEPOOL[0]))
    darl.folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(hart.store, darl.store)
    yield hart, darl
    shutil.rmtree(darl.folder)


def start_worker(web: Path) -> subprocess.Popen:
    """`sufficiency serve --worker-only` on the test's data folder and test database."""
    from django.db import connection

    import sufficiency

    db = connection.settings_dict
    url = (f"postgresql://{quote(db['USER'])}:{quote(db['PASSWORD'], safe='')}@/{db['NAME']}"
           f"?host={db['HOST']}&port={db['PORT']}")
    source = str(Path(sufficiency.__file__).parents[1])
    env = {**os.environ, "DATABASE_URL": url,
           "PYTHONPATH": os.pathsep.join([source, *filter(None, [os.environ.get("PYTHONPATH")])])}
    return subprocess.Popen([sys.executable, "-m", "sufficiency", "serve", "--worker-only", "--data", str(web)],
                            env=env, stdin=subprocess.DEVNULL)


def wait_for(test, what: str, workers=(), seconds: float = 240):
    """Poll `test()` until it returns something true; that value. Fails at once if one of
    `workers` (processes) has exited."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        dead = [w.returncode for w in workers if w.poll() is not None]
        assert not dead, f"a worker exited (code {dead[0]}) while waiting for {what}"
        everything()
        got = test()
        if got:
            return got
        time.sleep(0.3)
    raise AssertionError(f"gave up waiting for {what} after {seconds:.0f} s")


def queue(council, person, runs: int = 20):
    from sufficiency.web.models import Job

    return Job.objects.create(council=council, kind="forecast", options={"years": 1, "runs": runs}, created_by=person)


def test_two_workers_claiming_at_one_moment_do_not_start_two_jobs_of_one_council(fresh_jobs, people, councils):
    """Worker A has claimed a council's job but not committed; worker B, claiming then, does not
    see A's claim: B must wait for it and pass that council over, not start its other job."""
    from django.db import connections, transaction

    from sufficiency.web import jobs
    from sufficiency.web.models import Job

    first, second = (queue(councils[HARTLEPOOL[0]], people["administrator"]) for _ in range(2))
    claimed, commit, got = threading.Event(), threading.Event(), {}

    def worker_a():
        everything()
        with transaction.atomic():
            got["a"] = jobs.claim()
            claimed.set()
            commit.wait(30)
        connections.close_all()

    def worker_b():
        everything()
        got["b"] = jobs.claim()
        connections.close_all()

    a = threading.Thread(target=worker_a)
    a.start()
    assert claimed.wait(30)
    b = threading.Thread(target=worker_b)
    b.start()
    b.join(2)
    waited = b.is_alive()  # B is held by A's uncommitted claim
    commit.set()
    a.join(30)
    b.join(30)
    assert got["a"].pk == first.pk and got["b"] is None and waited
    assert Job.objects.get(pk=second.pk).status == "queued"


def test_two_worker_processes_run_the_councils_jobs_one_at_a_time_each(fresh_jobs, web, people, stores):
    from sufficiency.web.models import Job

    made = [queue(council, people["administrator"]).pk for council in stores for _ in range(2)]
    workers = [start_worker(web) for _ in range(2)]
    try:
        done = wait_for(lambda: all(j.status in ("done", "failed") for j in Job.objects.filter(pk__in=made))
                        and list(Job.objects.filter(pk__in=made)), "four jobs", workers)
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            assert w.wait(60) == 0
    assert all(j.status == "done" for j in done), [j.message for j in done]
    assert len({j.worker for j in done}) == 2  # both workers ran jobs
    for council in stores:
        mine = sorted((j for j in done if j.council_id == council.pk), key=lambda j: j.started_at)
        assert mine[0].finished_at <= mine[1].started_at, "two jobs of one council ran at once"


def test_a_job_whose_worker_is_killed_is_queued_again_and_finished_by_a_new_worker(fresh_jobs, web, people, stores):
    from sufficiency.web import jobs
    from sufficiency.web.models import Job

    job = queue(stores[0], people["administrator"], runs=400)
    first = start_worker(web)
    try:
        wait_for(lambda: Job.objects.get(pk=job.pk).status == "running", "the job to start", [first])
        first.kill()  # no time to say anything: only its heartbeat stops
        first.wait(30)
    finally:
        first.kill()
    killed = Job.objects.get(pk=job.pk)
    assert killed.status == "running" and killed.worker.endswith(f":{first.pid}")
    time.sleep(jobs.BEAT_EVERY / 2)
    assert Job.objects.get(pk=job.pk).heartbeat == killed.heartbeat  # nobody beats for it
    # a minute passes: the heartbeat is older than STALE_SECONDS
    Job.objects.filter(pk=job.pk).update(heartbeat=killed.heartbeat - dt.timedelta(seconds=jobs.STALE_SECONDS + 1))
    second = start_worker(web)
    try:
        finished = wait_for(lambda: (j := Job.objects.get(pk=job.pk)).status in ("done", "failed") and j,
                            "the new worker to finish the job", [second])
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(60) == 0
    assert finished.status == "done" and finished.worker.endswith(f":{second.pid}"), finished.message


def test_a_worker_stopped_with_sigterm_queues_its_job_again_at_once(fresh_jobs, web, people, stores):
    from sufficiency.web.models import Job

    job = queue(stores[1], people["administrator"], runs=2000)
    worker = start_worker(web)
    try:
        wait_for(lambda: (j := Job.objects.get(pk=job.pk)).status == "running" and j.step != "starting",
                 "the job to report its first step", [worker])
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(60) == 0
    finally:
        worker.kill()
    everything()
    again = Job.objects.get(pk=job.pk)
    assert again.status == "queued" and again.worker == "" and "worker was stopped" in again.step
