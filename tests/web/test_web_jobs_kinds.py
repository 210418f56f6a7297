"""Backtest, compare and plan as jobs from the council's pages: forms checked before a job is
made (the library's strict loaders, errors in the page), the job run by the worker through the
library, its results in the council's report, and the report as PDF and the board paper."""

from __future__ import annotations

import html

import pytest
from web_helpers import HARTLEPOOL, everything

CODE = HARTLEPOOL[0]
REFORM = """name: Fewer entries
description: Ten per cent fewer children enter care.
changes:
  - kind: entries
    change_percent: -10
    from: 2024-04-01
"""


@pytest.fixture(scope="module")
def loaded(councils, returns, people):
    """Hartlepool's store loaded from the synthetic returns, and its analyst signed in."""
    from django.test import Client

    from sufficiency import api

    council = councils[CODE]
    council.folder.mkdir(parents=True, exist_ok=True)
    api.load(api.LoadOptions(path=returns, db=council.store, la=CODE))
    client = Client()
    client.force_login(people["hartlepool analyst"])
    return council, client


def upload(name: str, text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode())


def run_job(client, kind: str, data: dict):
    """Post the form, run the job it made; the job."""
    from sufficiency.web import jobs
    from sufficiency.web.models import Job

    response = client.post(f"/c/{CODE}/run/{kind}/", data)
    assert response.status_code == 302, html.unescape(response.content.decode())
    assert jobs.run_one()
    everything()
    return Job.objects.get(pk=int(response.url.rstrip("/").rsplit("/", 1)[1]))


def report(client) -> str:
    return html.unescape(client.get(f"/c/{CODE}/report.html").getvalue().decode())


def test_a_backtest_runs_as_a_job_and_the_report_then_says_how_the_forecast_did(loaded):
    from sufficiency.web import jobs

    council, client = loaded
    client.post(f"/c/{CODE}/forecast/", {"years": 2, "runs": 20})
    assert jobs.run_one()
    tested = "How such forecasts did on this council's past years is below."
    assert tested not in report(client)
    assert "Backtest" in client.get(f"/c/{CODE}/run/backtest/").content.decode()
    job = run_job(client, "backtest", {"runs": 20})
    assert job.status == "done" and job.progress == 1.0 and job.message.startswith("Backtest from"), job.message
    from sufficiency.store import Store

    with Store(council.store) as store:
        assert "backtest_summary" in store.names
    assert tested in report(client)


def test_chosen_and_uploaded_reforms_are_compared_and_shown_in_the_report(loaded):
    from sufficiency.web.models import AuditEvent

    council, client = loaded
    job = run_job(client, "compare", {"examples": ["family-help"], "reforms": [upload("fewer.yaml", REFORM)],
                                      "together": "1", "years": 2, "runs": 20})
    assert job.status == "done", job.message
    assert len(job.options["scenarios"]) == 3 and "+" in job.options["scenarios"][-1]
    assert "Family Help" in job.message and "Fewer entries" in job.message
    page = report(client)
    assert "Reforms compared" in page and "Fewer entries" in page and "Family Help + Fewer entries" in page
    event = AuditEvent.objects.filter(action="run compare", council=council).latest("id")
    assert event.allowed and f"job {job.pk}" in event.detail


@pytest.mark.parametrize("name, text, said", [
    ("bad.yaml", REFORM.replace("change_percent", "chnage_percent"), "bad.yaml: changes[0].chnage_percent: unknown key"),
    ("bad.yaml", REFORM.replace("kind: entries", "kind: magic"), "unknown kind 'magic'"),
    ("bad.yaml", REFORM + "  - kind: block_contract\n    category: no-such-place\n    beds: 2\n    from: 2025-01-01\n",
     "bad.yaml: changes[1].category: unknown placement category 'no-such-place'"),
    ("reform.txt", REFORM, "reform.txt is not a YAML file"),
    ("dup.yaml", "name: a\nname: b\nchanges: []\n", "dup.yaml"),
])
def test_a_bad_reform_file_is_refused_in_the_page_and_no_job_is_made(loaded, name, text, said):
    from sufficiency.web.models import Job

    council, client = loaded
    jobs_before, inputs = Job.objects.count(), council.folder / "inputs"
    kept = set(inputs.iterdir()) if inputs.exists() else set()
    response = client.post(f"/c/{CODE}/run/compare/", {"reforms": [upload(name, text)], "runs": 20})
    assert response.status_code == 400
    assert said in html.unescape(response.content.decode())
    assert Job.objects.count() == jobs_before
    assert (set(inputs.iterdir()) if inputs.exists() else set()) == kept


def test_nothing_chosen_and_bad_options_are_refused(loaded):
    _council, client = loaded
    response = client.post(f"/c/{CODE}/run/compare/", {"runs": 20})
    assert response.status_code == 400 and "Choose at least one reform" in response.content.decode()
    response = client.post(f"/c/{CODE}/run/compare/", {"examples": ["family-help"], "runs": 0})
    assert response.status_code == 400 and "runs must be at least 1" in html.unescape(response.content.decode())
    response = client.post(f"/c/{CODE}/run/plan/", {"options": upload("plan.yaml", "yeras: 2\n")})
    assert response.status_code == 400 and "plan.yaml: yeras: is not an option" in html.unescape(
        response.content.decode())
    response = client.post(f"/c/{CODE}/run/plan/", {"options": upload("plan.yaml", "parameters: mine.yaml\n")})
    assert response.status_code == 400 and "shipped parameters" in response.content.decode()


def test_a_capacity_plan_runs_as_a_job_and_the_report_shows_it(loaded):
    options = "years: 2\nscenarios: 5\nsolver: {time_limit: 30, gap: 0.05}\n"
    _council, client = loaded
    job = run_job(client, "plan", {"options": upload("small-plan.yaml", options)})
    assert job.status == "done", job.message
    assert "Capacity plan" in report(client)


def test_the_report_and_the_board_paper_download_as_pdf_and_small_numbers_are_audited(loaded):
    from sufficiency.web.models import AuditEvent

    council, client = loaded
    for url in (f"/c/{CODE}/report.pdf", f"/c/{CODE}/board.pdf", f"/c/{CODE}/internal/report.pdf"):
        response = client.get(url)
        assert response.status_code == 200 and response.getvalue().startswith(b"%PDF"), url
        assert "attachment" in response["Content-Disposition"]
    event = AuditEvent.objects.filter(council=council, path=f"/c/{CODE}/internal/report.pdf").latest("id")
    assert event.action == "download report with small numbers" and event.allowed
    assert client.get(f"/c/{CODE}/internal/report.board.pdf").status_code == 404  # the board paper is public only
