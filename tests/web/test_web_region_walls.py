"""The walls around the region: every role requests every regional address (council users are
refused and audited; withdrawing is for administrators only), the regional analyst requests
every address of a council and is refused and audited, and in SQL the regional scope sees the
region's jobs and no council's while a council's scope never sees the region's."""

from __future__ import annotations

import pytest
from test_web_walls import council_urls
from web_helpers import DARLINGTON, HARTLEPOOL, everything


@pytest.fixture(scope="module")
def region_rows(web, councils, people):
    """A region (its agreement the shipped example's) and a job of the region's, so every
    regional address has something behind it; and an upload and job of Hartlepool's. Jobs the
    module's posts queue are marked failed afterwards, and a region it made is removed."""
    from sufficiency.region.agreement import shipped
    from sufficiency.web.models import Job, Region, Upload

    everything()
    made = Region.current() is None
    region = Region.current() or Region.objects.create(
        name="Greater Manchester", agreement=shipped()["greater manchester"].read_text(encoding="utf-8"))
    job = Job.objects.create(council=None, kind="region_forecast", created_by=people["regional analyst"], status="done")
    hart = councils[HARTLEPOOL[0]]
    upload = Upload.objects.create(council=hart, uploaded_by=people["hartlepool analyst"], files=["x.csv"])
    council_job = Job.objects.create(council=hart, kind="share", created_by=people["hartlepool analyst"], status="done")
    yield region, job, upload, council_job
    everything()  # a forecast an allowed post queued is not left for another module's worker
    Job.objects.filter(status="queued", id__gt=council_job.pk).update(status="failed")
    if made:  # nor a region another module does not expect (Region.current is the one region)
        Job.objects.filter(council=None).delete()
        region.delete()


def regional_urls(job: int) -> list[tuple[str, str]]:
    """Every regional address, with the method it takes."""
    return [("get", "/region/"), ("post", "/region/upload/"), ("post", "/region/forecast/"),
            ("get", f"/region/jobs/{job}/"), ("get", "/region/report/"), ("get", "/region/report.html"),
            ("get", "/region/plan/"), ("post", "/region/plan/"), ("get", "/region/plan/result/"),
            ("get", "/region/plan.xlsx"), ("post", f"/region/withdraw/{HARTLEPOOL[0]}/")]


def refused_since(username: str, before: int):
    from sufficiency.web.models import AuditEvent

    everything()
    return list(AuditEvent.objects.filter(username=username, allowed=False, id__gt=before).order_by("id"))


def last_event() -> int:
    from sufficiency.web.models import AuditEvent

    everything()
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.mark.parametrize("who", ["hartlepool analyst", "hartlepool viewer", "darlington analyst", "darlington viewer"])
def test_council_users_are_refused_every_regional_page_and_audited(who, people, region_rows):
    from django.test import Client

    from sufficiency.web.models import Job

    _region, job, _upload, _cjob = region_rows
    client = Client()
    client.force_login(people[who])
    before, jobs = last_event(), Job.objects.count()
    urls = regional_urls(job.pk)
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 403, (who, url)
    refused = refused_since(people[who].username, before)
    assert [e.path for e in refused] == [url for _m, url in urls]
    everything()
    assert Job.objects.count() == jobs  # the refused forecast queued nothing


def test_the_regional_analyst_reaches_the_regional_pages_but_may_not_withdraw(people, region_rows):
    from django.test import Client

    _region, job, _upload, _cjob = region_rows
    client = Client()
    client.force_login(people["regional analyst"])
    before = last_event()
    for method, url in regional_urls(job.pk)[:-1]:
        assert getattr(client, method)(url).status_code != 403, url
    assert client.post(f"/region/withdraw/{HARTLEPOOL[0]}/").status_code == 403
    walls = [(e.action, e.path) for e in refused_since("regional", before) if e.detail.startswith("refused: needs")]
    assert walls == [("withdraw council", f"/region/withdraw/{HARTLEPOOL[0]}/")]  # (the empty upload is refused too)


def test_an_administrator_reaches_every_regional_page(people, region_rows):
    from django.test import Client

    _region, job, _upload, _cjob = region_rows
    client = Client()
    client.force_login(people["administrator"])
    for method, url in regional_urls(job.pk):
        assert getattr(client, method)(url).status_code != 403, url


@pytest.mark.parametrize("code", [HARTLEPOOL[0], DARLINGTON[0]])
def test_the_regional_analyst_is_refused_every_council_page_and_audited(code, people, region_rows):
    from django.test import Client

    _region, _job, upload, council_job = region_rows
    client = Client()
    client.force_login(people["regional analyst"])
    before = last_event()
    urls = council_urls(code, upload.pk, council_job.pk)
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 403, url
    refused = refused_since("regional", before)
    assert [e.path for e in refused] == [url for _m, url in urls]
    assert {e.council.code for e in refused} == {code}


def test_a_council_analyst_is_refused_the_share_of_another_council(people, region_rows):
    from django.test import Client

    from sufficiency.web.models import Job

    client = Client()
    client.force_login(people["darlington analyst"])
    before, jobs = last_event(), Job.objects.count()
    assert client.post(f"/c/{HARTLEPOOL[0]}/share/").status_code == 403
    assert [e.action for e in refused_since("darl-analyst", before)] == ["run share"]
    everything()
    assert Job.objects.count() == jobs


def sql(query: str, params=()):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall() if cur.description else None


def test_in_sql_the_regional_scope_sees_the_regions_jobs_and_no_councils(region_rows, councils, people):
    from django.db import DatabaseError, transaction

    _region, job, _upload, council_job = region_rows
    ids = [job.pk, council_job.pk]
    seen = "SELECT id FROM web_job WHERE id = ANY(%s) ORDER BY id"
    sql("SELECT set_config('app.council', 'region', false)")
    assert sql(seen, [ids]) == [(job.pk,)]
    sql("SELECT set_config('app.council', %s, false)", [str(councils[HARTLEPOOL[0]].pk)])
    assert sql(seen, [ids]) == [(council_job.pk,)]
    for nobody in ("", "not a council"):
        sql("SELECT set_config('app.council', %s, false)", [nobody])
        assert sql(seen, [ids]) == []
    sql("SELECT set_config('app.council', 'region', false)")
    with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
        sql("INSERT INTO web_job (council_id, kind, options, status, step, progress, message, created_by_id, "
            "created_at, worker) VALUES (%s, 'share', '{}', 'queued', '', 0, '', %s, now(), '')",
            [councils[HARTLEPOOL[0]].pk, people["regional analyst"].pk])
    sql("SELECT set_config('app.council', %s, false)", [str(councils[HARTLEPOOL[0]].pk)])
    sql("UPDATE web_job SET step = 'changed' WHERE id = %s", [job.pk])  # the region's row: unseen, unchanged
    everything()
    assert sql("SELECT step FROM web_job WHERE id = %s", [job.pk]) == [("",)]


def test_a_regional_analysts_requests_name_the_regional_scope(people, councils):
    from sufficiency.web.roles import REGION_SCOPE, scope_for

    assert scope_for(people["regional analyst"]) == REGION_SCOPE
    assert scope_for(people["hartlepool analyst"]) == str(councils[HARTLEPOOL[0]].pk)
