"""The job table: claiming, one job at a time per council, and jobs of a stopped server queued again."""

from __future__ import annotations

import datetime as dt

from web_helpers import DARLINGTON, HARTLEPOOL


def test_a_running_job_whose_server_stopped_is_queued_again_and_a_live_one_is_not(fresh_jobs, people, councils):
    from django.utils import timezone

    from sufficiency.web import jobs
    from sufficiency.web.models import Job

    made = {"dead": (HARTLEPOOL[0], timezone.now() - dt.timedelta(seconds=jobs.STALE_SECONDS + 5)),
            "alive": (DARLINGTON[0], timezone.now())}
    ids = {name: Job.objects.create(council=councils[code], kind="forecast", status="running",
                                    heartbeat=beat, created_by=people["administrator"]).pk
           for name, (code, beat) in made.items()}
    assert jobs.requeue_stale() == 1
    assert Job.objects.get(pk=ids["dead"]).status == "queued"
    assert Job.objects.get(pk=ids["alive"]).status == "running"


def test_claim_takes_the_oldest_job_of_a_council_with_nothing_running(fresh_jobs, people, councils):
    from django.utils import timezone

    from sufficiency.web import jobs
    from sufficiency.web.models import Job

    def make(code, status="queued"):
        return Job.objects.create(council=councils[code], kind="forecast", status=status,
                                  heartbeat=timezone.now(), created_by=people["administrator"])

    make(HARTLEPOOL[0], "running")
    waiting = make(HARTLEPOOL[0])
    first, second = make(DARLINGTON[0]), make(DARLINGTON[0])
    claimed = jobs.claim()
    assert claimed.pk == first.pk and claimed.status == "running" and claimed.worker == jobs.WORKER
    assert jobs.claim() is None  # Darlington now busy, Hartlepool busy too
    assert Job.objects.get(pk=waiting.pk).status == Job.objects.get(pk=second.pk).status == "queued"
