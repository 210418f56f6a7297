"""Two analysts load different returns for the same council at once, with two workers running:
the store afterwards is exactly one of the two loads, and both jobs end in a clear state."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from web_helpers import everything, make_user

CODE = "E06000004"  # a council of this module's own, so the other tests' councils keep no store
LOADS = {"a": {"years": (2021, 2024), "seed": 11}, "b": {"years": (2022, 2024), "seed": 12}}


@pytest.fixture(scope="module")
def council(web):
    """Stockton-on-Tees, with two analysts."""
    from sufficiency.web import roles
    from sufficiency.web.models import Council

    everything()
    stockton = Council.objects.get_or_create(code=CODE, name="Stockton-on-Tees")[0]
    return stockton, [make_user(f"stockton-analyst-{i}", roles.ANALYST, stockton) for i in (1, 2)]


@pytest.fixture(scope="module")
def two_returns(tmp_path_factory) -> dict[str, dict]:
    """Two small synthetic Stockton-on-Tees of different years, each zipped, with the fingerprint
    and years a load of it alone gives."""
    from sufficiency import api
    from sufficiency.store import Store

    out = {}
    for name, how in LOADS.items():
        folder = tmp_path_factory.mktemp(f"returns-{name}")
        api.synth(api.SynthOptions(la=CODE, years=how["years"], children=30, seed=how["seed"],
                                   out=folder / "returns"))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for f in sorted((folder / "returns").rglob("*.csv")):
                z.write(f, f.relative_to(folder / "returns").as_posix())
        api.load(api.LoadOptions(path=folder / "returns", db=folder / "alone.duckdb", la=CODE))
        with Store(folder / "alone.duckdb") as store:
            alone = store.meta()
        out[name] = {"zip": buffer.getvalue(), "fingerprint": alone["returns"], "years": alone["years"]}
    assert out["a"]["fingerprint"] != out["b"]["fingerprint"]
    return out


def upload_and_load(client, name: str, data: bytes) -> int:
    """Upload a zip through the page and press Load; the load job's id."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(f"/c/{CODE}/upload/", {"files": [SimpleUploadedFile(name, data)]})
    assert response.status_code == 302, response.content.decode()[:500]
    upload = int(response.url.rstrip("/").rsplit("/", 1)[1])
    response = client.post(f"/c/{CODE}/upload/{upload}/load/")
    assert response.status_code == 302
    return int(response.url.rstrip("/").rsplit("/", 1)[1])


def wait_for(ids: list[int], timeout: float = 300) -> list:
    from sufficiency.web.models import Job

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        everything()
        found = list(Job.objects.filter(pk__in=ids).order_by("pk"))
        if all(j.status in ("done", "failed") for j in found):
            return found
        time.sleep(0.2)
    raise AssertionError(f"jobs {ids} did not finish in {timeout} s")


def test_two_analysts_loading_the_same_council_at_once_leave_one_clean_store(two_returns, council):
    from django.test import Client

    from sufficiency.store import Store
    from sufficiency.web.jobs import start_worker
    from sufficiency.web.models import Job

    council, analysts = council
    everything()
    Job.objects.filter(status__in=["queued", "running"]).update(status="failed")
    clients = []
    for person in analysts:
        clients.append(Client())
        clients[-1].force_login(person)
    ids = [upload_and_load(c, f"returns-{n}.zip", two_returns[n]["zip"]) for c, n in zip(clients, LOADS, strict=True)]

    workers = [start_worker(poll=0.05) for _ in range(2)]  # both find the two jobs queued at once
    try:
        done = wait_for(ids)
    finally:
        for thread, stop in workers:
            stop.set()
            thread.join(timeout=60)

    for job in done:  # a clear state: done, or failed with a sentence, never an internal fault
        assert job.status == "done" or (job.message and "Internal error" not in job.message), job.message
    assert any(job.status == "done" for job in done)
    first, second = sorted(done, key=lambda j: j.started_at)
    assert second.started_at >= first.finished_at, "the council's two loads ran at the same time"

    with Store(council.store) as store:
        meta, files = store.meta(), store.table("source_files")
        stale, results = store.stale(), store.sql("SELECT * FROM results") if "results" in store.names else None
    winner = next(n for n in LOADS if two_returns[n]["fingerprint"] == meta["returns"])
    assert meta["years"] == two_returns[winner]["years"]
    assert sorted(files["year"].unique()) == two_returns[winner]["years"]  # no mix of years
    upload = Job.objects.get(pk=ids[list(LOADS).index(winner)]).upload
    assert all(str(upload.folder) in path for path in files["path"])  # every table from one upload
    assert stale == {} and (results is None or (results["returns"] == meta["returns"]).all())
    assert not [p.name for p in council.folder.iterdir() if p.name.startswith(".")]  # no half-written file
    assert council.report_file("html", False).stat().st_mtime >= council.store.stat().st_mtime


def test_a_second_worker_claiming_while_the_first_has_not_committed_takes_no_job_of_that_council(council):
    import threading

    from django.db import connection, transaction

    from sufficiency.web import jobs
    from sufficiency.web.models import Job

    everything()
    Job.objects.filter(status__in=["queued", "running"]).update(status="failed")
    made = [Job.objects.create(council=council[0], kind="forecast", created_by=council[1][0]).pk
            for _ in range(2)]
    second = {}

    def claim_too() -> None:
        try:
            everything()
            second["job"] = jobs.claim()
        finally:
            connection.close()

    try:
        with transaction.atomic():  # the first worker's claim, not yet committed
            first = jobs.claim()
            other = threading.Thread(target=claim_too)
            other.start()
            other.join(timeout=1)
        other.join(timeout=30)
        assert first.pk == made[0]
        assert second["job"] is None, "two jobs of one council were claimed at once"
    finally:
        everything()
        Job.objects.filter(pk__in=made).update(status="failed")
