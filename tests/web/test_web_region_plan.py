"""The regional planner: a regional analyst plans the region's capacity from the page's fields
(or an options file) against the regional forecast; the form is read by the planner's own strict
options reader and the forecast it needs, and anything wrong is a sentence with nothing queued;
the job runs the library's plan on the region's store and the result page shows the plan, its
cost against no plan and the simple rule, and the picture; the plan downloads as a workbook.
The fields make the same options as the YAML they stand for, on the region's page and on a
council's. The tests run in order: each builds on the region the one before left."""

from __future__ import annotations

import html
import io

import pytest
from test_web_region import agreement_text, audited, client_of, run_jobs
from web_helpers import HARTLEPOOL, everything

SMALL = {"years": "2", "scenarios": "10", "home_sizes": "2, 4", "limits.capital_budget": "3000000",
         "distance.cost_per_mile": "true", "solver.gap": "0.05", "solver.time_limit": "30"}
SMALL_YAML = """years: 2
scenarios: 10
home_sizes: [2, 4]
limits: {capital_budget: 3000000}
distance: {cost_per_mile: true}
solver: {gap: 0.05, time_limit: 30}
"""


@pytest.fixture(scope="module")
def region(web, councils, people, returns, tmp_path_factory):
    """North East, imported for planning, holding Hartlepool's share (uploaded through the page and
    imported by the worker)."""
    from sufficiency import api
    from sufficiency.web.models import Job, Region

    everything()
    Job.objects.filter(status__in=["queued", "running"]).update(status="failed")
    made, _ = Region.objects.update_or_create(name="North East", defaults={
        "agreement": agreement_text("North East", "2025-06"), "uses": "indicators,forecast,planning"})
    made.full_clean()
    hart = councils[HARTLEPOOL[0]]
    hart.folder.mkdir(parents=True, exist_ok=True)
    if not hart.store.exists():
        api.load(api.LoadOptions(path=returns, db=hart.store, la=hart.code))
    folder = tmp_path_factory.mktemp("plan-share")
    (folder / "agreement.yaml").write_text(made.agreement, encoding="utf-8")
    share = api.share(api.ShareOptions(db=hart.store, agreement=folder / "agreement.yaml",
                                       out=folder / "hartlepool.share")).out
    with share.open("rb") as fh:
        response = client_of(people["regional analyst"]).post("/region/upload/", {"share": fh})
    assert response.status_code == 302
    run_jobs()  # the import is the worker's
    yield made
    everything()
    Job.objects.filter(status__in=["queued", "running"]).update(status="failed")


def jobs_now() -> int:
    from sufficiency.web.models import Job

    everything()
    return Job.objects.count()


def kept_options(region) -> set:
    folder = region.folder / "plan" / "options"
    return set(folder.iterdir()) if folder.exists() else set()


def refused(client, data: dict, region) -> str:
    """Post the planner's form and check it was refused with nothing queued or kept; the sentence."""
    before, kept = jobs_now(), kept_options(region)
    response = client.post("/region/plan/", data)
    page = html.unescape(response.content.decode())
    assert response.status_code == 400, page[:2000]
    assert jobs_now() == before and kept_options(region) == kept
    sentence = page[page.index('id="refused"'):]
    return sentence[:sentence.index("</div>")]


def test_the_planner_asks_for_the_regional_forecast_first(region, people):
    client = client_of(people["regional analyst"])
    page = html.unescape(client.get("/region/plan/").content.decode())
    assert "There is no regional forecast yet" in page and 'name="years"' not in page
    said = refused(client, SMALL, region)
    assert "There is no regional forecast yet" in said and "run the regional forecast" in said
    event = audited("regional", "run regional plan")[-1]
    assert not event.allowed and "no regional forecast" in event.detail


def test_after_the_forecast_the_form_offers_the_options_within_it(region, people):
    client = client_of(people["regional analyst"])
    client.post("/region/forecast/", {"years": 2, "runs": 20})
    run_jobs()
    page = html.unescape(client.get("/region/plan/").content.decode())
    assert "holds 20 runs over 2 years" in " ".join(page.replace("<strong>", "").replace("</strong>", "").split())
    assert 'name="years" type="number" step="1" min="0" value="2"' in page  # at most the forecast's years
    assert 'name="scenarios" type="number" step="1" min="0" value="20"' in page


@pytest.mark.parametrize(("data", "said"), [
    ({"years": "0"}, "Years to plan: must be at least 1 (got 0)"),
    ({"limits.capital_budget": "-5"}, "Capital budget, GBP a year: must be at least 0 (got -5)"),
    ({"distance.min_share_within_20_miles": "1.5"}, "Least share of children placed within 20 miles: must be at most 1"),
    ({"home_sizes": "2, big"}, "Beds in a new home: must be a whole number (got 'big')"),
    ({"solver.gap": "lots"}, "the gap): must be a number (got 'lots')"),
    ({"solver.time_limit": "99999"}, "the web application gives a plan's search at most 3,600 seconds (got 99999)"),
    ({"scenarios": "50"}, "scenarios: 50 futures asked for, but the regional forecast holds 20 runs"),
    ({"years": "3"}, "years: 3 years asked for, but the regional forecast holds 2 years"),
])
def test_bad_values_are_refused_with_a_sentence_and_no_job(region, people, data, said):
    assert said in refused(client_of(people["regional analyst"]), {**SMALL, **data}, region)
    event = audited("regional", "run regional plan")[-1]
    assert not event.allowed and said in event.detail


@pytest.mark.parametrize(("text", "said"), [
    ("yeras: 2\n", "plan.yaml: yeras: is not an option"),
    ("parameters: mine.yaml\n", "plan.yaml: parameters: the web application plans with the shipped parameters"),
    ("scenarios: 500\n", "plan.yaml: scenarios: 500 futures asked for, but the regional forecast holds 20 runs"),
])
def test_a_bad_options_file_is_refused_with_a_sentence_and_no_job(region, people, text, said):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("plan.yaml", text.encode())
    assert said in refused(client_of(people["regional analyst"]), {**SMALL, "options": upload}, region)


def test_the_fields_make_the_options_their_yaml_gives(region, people, councils):
    """On the region's planner and on a council's plan form, the kept options file reads as the
    YAML the fields stand for."""
    from sufficiency.plan.options import parse_options, read_options
    from sufficiency.web.models import Job
    from sufficiency.yamlfile import parse_yaml

    want = parse_options(parse_yaml(SMALL_YAML, "small.yaml"), "small.yaml").model_dump(exclude={"file"})
    assert want["limits"]["capital_budget"] == 3_000_000 and want["home_sizes"] == [2, 4]
    for client, url in ((client_of(people["regional analyst"]), "/region/plan/"),
                        (client_of(people["hartlepool analyst"]), f"/c/{HARTLEPOOL[0]}/run/plan/")):
        assert 'name="limits.capital_budget"' in client.get(url).content.decode()
        before = jobs_now()
        response = client.post(url, {**SMALL, "solver.gap": "2"})
        assert response.status_code == 400 and jobs_now() == before
        assert "(the gap): must be at most 1 (got 2)" in html.unescape(response.content.decode())
        response = client.post(url, SMALL)
        assert response.status_code == 302, html.unescape(response.content.decode())[:2000]
        everything()
        job = Job.objects.latest("id")
        assert read_options(job.options["options"]).model_dump(exclude={"file"}) == want, url
        job.status = "failed"  # not run here
        job.save(update_fields=["status"])
    defaults = {**SMALL, "limits.capital_budget": "", "home_sizes": ""}  # blank: the planner's defaults
    response = client_of(people["regional analyst"]).post("/region/plan/", defaults)
    everything()
    job = Job.objects.latest("id")
    got = read_options(job.options["options"])
    assert got.limits.capital_budget is None and got.home_sizes == [2, 4] and response.status_code == 302
    Job.objects.filter(pk=job.pk).update(status="failed")


def test_a_regional_plan_runs_as_a_job_and_the_result_page_shows_it(region, people):
    from openpyxl import load_workbook

    from sufficiency.store import Store
    from sufficiency.web.models import Job

    client = client_of(people["regional analyst"])
    response = client.post("/region/plan/", SMALL)
    everything()
    job = Job.objects.filter(kind="region_plan").latest("id")
    assert job.council is None and response.url == f"/region/jobs/{job.pk}/"
    assert audited("regional", "run regional plan")[-1].allowed
    run_jobs()
    job.refresh_from_db()
    assert job.status == "done" and job.progress == 1.0, job.message
    assert "Expected cost over 2 years (discounted): GBP" in job.message and "inside the region" in job.message
    page = html.unescape(client.get(f"/region/jobs/{job.pk}/").content.decode())
    assert "Regional capacity plan: North East" in page and "See the plan" in page
    with Store(region.store) as store:
        summary = store.table("plan_summary").set_index("policy")
        decisions = store.table("plan_decisions")
    page = html.unescape(client.get("/region/plan/result/").content.decode())
    for policy in ("plan", "no plan", "simple rule"):
        assert f"£{summary.loc[policy, 'expected'] / 1e6:,.1f}m" in page, policy
    assert f"90% range £{summary.loc['plan', 'low'] / 1e6:,.1f}m to £{summary.loc['plan', 'high'] / 1e6:,.1f}m" in page
    assert "No plan (spot purchases as today)" in page and "Simple rule" in page
    assert "of the least expected cost possible" in page or "least expected cost" in page  # the gap reached
    assert "within 20 miles of home and" in page and "inside the region" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and "Hartlepool" in page[page.index("<svg"):]
    assert 'id="plan_decisions"' in page and "What the plan does, where and when" in page
    assert len(decisions) == page.count("<tr>", page.index('id="plan_decisions"'),
                                        page.index("</table>", page.index('id="plan_decisions"'))) - 1 or not len(decisions)
    report = b"".join(client.get("/region/report.html").streaming_content).decode()
    assert "Capacity plan" in report
    response = client.get("/region/plan.xlsx")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert {"README", "decisions", "summary"} <= set(book.sheetnames)
    assert audited("regional", "download regional plan")[-1].allowed


def test_a_plan_no_limits_allow_shows_what_must_give(region, people):
    client = client_of(people["regional analyst"])
    impossible = {**SMALL, "distance.min_share_within_20_miles": "1", "limits.homes_per_council_per_year": "0",
                  "limits.foster_recruits_per_council_per_year": "0", "limits.block_beds_per_council_per_year": "0"}
    client.post("/region/plan/", impossible)
    run_jobs()
    from sufficiency.web.models import Job

    job = Job.objects.filter(kind="region_plan").latest("id")
    assert job.status == "done" and job.message.startswith("No plan meets the limits"), job.message
    page = html.unescape(client.get("/region/plan/result/").content.decode())
    assert "No plan meets the limits" in page and 'id="slack"' in page and "Download the plan" not in page
    assert client.get("/region/plan.xlsx").status_code == 404
