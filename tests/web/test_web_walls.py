"""The first wall: every council page checks the user's role for that council on the server,
refuses the others with 403 and writes a refused row to the audit log; CSRF, sign-in lock-out
and the first administrator."""

from __future__ import annotations

import pytest
from web_helpers import DARLINGTON, HARTLEPOOL, PASSWORD, everything, make_user


@pytest.fixture(scope="module")
def hartlepool_rows(people, councils):
    """An upload and a job of Hartlepool's, so every address with an id has something behind it;
    jobs the module's posts queue are marked failed afterwards."""
    from sufficiency.web.models import Job, Upload

    everything()
    hart = councils[HARTLEPOOL[0]]
    upload = Upload.objects.create(council=hart, uploaded_by=people["hartlepool analyst"], files=["x.csv"])
    job = Job.objects.create(council=hart, kind="forecast", created_by=people["hartlepool analyst"], status="done")
    yield upload, job
    everything()  # jobs an allowed post queued are not left for another module's worker
    Job.objects.filter(status="queued", id__gt=job.pk).update(status="failed")


def council_urls(code: str, upload: int, job: int) -> list[tuple[str, str]]:
    """Every address of a council's pages, with the method it takes."""
    return [("get", f"/c/{code}/"), ("get", f"/c/{code}/upload/"), ("post", f"/c/{code}/upload/"),
            ("get", f"/c/{code}/upload/{upload}/"), ("post", f"/c/{code}/upload/{upload}/load/"),
            ("post", f"/c/{code}/forecast/"), ("get", f"/c/{code}/jobs/{job}/"), ("get", f"/c/{code}/report/"),
            ("get", f"/c/{code}/report/internal/"), ("get", f"/c/{code}/report.html"),
            ("get", f"/c/{code}/report.xlsx"), ("get", f"/c/{code}/internal/report.html"),
            ("get", f"/c/{code}/internal/report.xlsx"), ("post", f"/c/{code}/share/")]


@pytest.mark.parametrize("who", ["darlington analyst", "darlington viewer", "regional analyst"])
def test_every_page_of_another_council_is_refused_and_audited(who, people, hartlepool_rows):
    from django.test import Client

    from sufficiency.web.models import AuditEvent, Job, Upload

    upload, job = hartlepool_rows
    client = Client()
    client.force_login(people[who])
    everything()
    before = AuditEvent.objects.filter(username=people[who].username, allowed=False).count()
    rows = Upload.objects.count(), Job.objects.count()
    urls = council_urls(HARTLEPOOL[0], upload.pk, job.pk)
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 403, (who, url, response.status_code)
    everything()
    refused = AuditEvent.objects.filter(username=people[who].username, allowed=False).order_by("-id")[:len(urls)]
    assert AuditEvent.objects.filter(username=people[who].username, allowed=False).count() - before == len(urls)
    assert [e.path for e in reversed(refused)] == [url for _method, url in urls]
    assert {e.council.code for e in refused} == {HARTLEPOOL[0]}
    assert (Upload.objects.count(), Job.objects.count()) == rows  # nothing made by the refused posts


@pytest.mark.parametrize("who", ["hartlepool analyst", "hartlepool viewer", "darlington analyst"])
def test_the_region_is_refused_to_council_users_and_audited(who, people):
    from django.test import Client

    from sufficiency.web.models import AuditEvent

    client = Client()
    client.force_login(people[who])
    assert client.get("/region/").status_code == 403
    everything()
    assert AuditEvent.objects.filter(username=people[who].username, action="view regional", allowed=False).exists()


def test_a_viewer_sees_only_the_suppressed_report_of_their_own_council(people, hartlepool_rows):
    from django.test import Client

    upload, job = hartlepool_rows
    client = Client()
    client.force_login(people["hartlepool viewer"])
    code = HARTLEPOOL[0]
    assert client.get(f"/c/{code}/").status_code == 200
    assert client.get(f"/c/{code}/report/").status_code != 403  # allowed (404 until returns are loaded)
    for url in (f"/c/{code}/upload/", f"/c/{code}/upload/{upload.pk}/", f"/c/{code}/report/internal/",
                f"/c/{code}/internal/report.xlsx", f"/c/{code}/jobs/{job.pk}/"):
        assert client.get(url).status_code == 403, url


def test_an_analyst_reaches_their_own_council_and_viewing_child_level_data_is_audited(people, hartlepool_rows):
    from django.test import Client

    from sufficiency.web.models import AuditEvent

    upload, _job = hartlepool_rows
    client = Client()
    client.force_login(people["hartlepool analyst"])
    assert client.get(f"/c/{HARTLEPOOL[0]}/upload/{upload.pk}/").status_code == 200
    everything()
    event = AuditEvent.objects.filter(username="hart-analyst").latest("id")
    assert (event.action, event.allowed, event.council.code) == ("view validation report", True, HARTLEPOOL[0])


def test_an_administrator_reaches_every_council(people, councils):
    from django.test import Client

    client = Client()
    client.force_login(people["administrator"])
    for code in (HARTLEPOOL[0], DARLINGTON[0]):
        assert client.get(f"/c/{code}/").status_code == 200


def test_a_post_without_its_csrf_token_is_refused(people):
    from django.test import Client

    from sufficiency.web.models import Job

    client = Client(enforce_csrf_checks=True)
    client.force_login(people["darlington analyst"])
    url = f"/c/{DARLINGTON[0]}/forecast/"
    everything()
    jobs = Job.objects.filter(council__code=DARLINGTON[0], kind="forecast").count()
    assert client.post(url, {"years": 2, "runs": 10}).status_code == 403
    client.get(f"/c/{DARLINGTON[0]}/")  # the page sets the CSRF cookie its form carries
    token = client.cookies["csrftoken"].value
    # with the token, the post is accepted (and refused only because nothing is loaded yet)
    response = client.post(url, {"years": 2, "runs": 10, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    everything()
    assert Job.objects.filter(council__code=DARLINGTON[0], kind="forecast").count() == jobs


def test_repeated_failed_sign_ins_lock_the_name(web, councils):
    from django.test import Client

    from sufficiency.web import accounts, roles

    make_user("locked-out", roles.VIEWER, councils[DARLINGTON[0]], password=PASSWORD)
    client = Client()
    for _ in range(accounts.LOCK_AFTER):
        response = client.post("/signin/", {"username": "locked-out", "password": "wrong password"})
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = client.post("/signin/", {"username": "locked-out", "password": PASSWORD})
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    accounts.SignInFailures.objects.filter(username="locked-out").update(locked_until=None)
    response = client.post("/signin/", {"username": "locked-out", "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_the_first_administrator_gets_a_one_time_password_and_must_change_it(web):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from sufficiency.web.accounts import first_administrator

    users = get_user_model()
    others = list(users.objects.filter(is_superuser=True).values_list("pk", flat=True))
    users.objects.filter(pk__in=others).update(is_superuser=False)  # this test's own first start
    try:
        password = first_administrator()
        assert password and first_administrator() is None
        client = Client()
        response = client.post("/signin/", {"username": "admin", "password": password})
        assert response.status_code == 302
        assert client.get("/").url == "/password/"
        new = "a new and long passphrase 42"
        client.post("/password/", {"old_password": password, "new_password1": new, "new_password2": new})
        assert client.get("/").status_code == 200
    finally:  # the other modules' administrators are administrators again
        users.objects.filter(pk__in=others).update(is_superuser=True)
