"""The region end to end in Debian's Chromium, driven by Playwright: the administrator's region
page with its agreement and members, a council analyst sharing from the council's page, the regional
analyst reading who shared, a cut-short share file refused by the import job, the regional report,
the regional forecast as a job, and the regional planner and its result.

Screenshots of each page are taken; set SUFFICIENCY_WEB_SCREENSHOTS to a folder (docs/web)
to keep them there.
"""

from __future__ import annotations

import pytest
from test_web_browser import browser, live  # noqa: F401 - the Chromium and live server fixtures
from test_web_region import agreement_text
from web_helpers import HARTLEPOOL, PASSWORD, everything, keep_screenshots, make_user


@pytest.fixture(scope="module")
def region_people(councils, returns):
    """The region (North East), Hartlepool's loaded store, and three people with passwords; all
    made before the browser starts (Playwright's loop makes Django refuse the test thread's
    database calls)."""
    from sufficiency import api
    from sufficiency.web import roles
    from sufficiency.web.models import Job, Region

    everything()
    Job.objects.filter(status__in=["queued", "running"]).update(status="failed")
    Region.objects.exclude(name="North East").delete()
    region, _ = Region.objects.update_or_create(name="North East", defaults={
        "agreement": agreement_text("North East", "2025-06"), "uses": "indicators,forecast,planning"})
    hart = councils[HARTLEPOOL[0]]
    hart.folder.mkdir(parents=True, exist_ok=True)
    if not hart.store.exists():
        api.load(api.LoadOptions(path=returns, db=hart.store, la=hart.code))
    return {"region": region.pk,
            "analyst": make_user("e2e-share", roles.ANALYST, hart, password=PASSWORD).username,
            "regional": make_user("e2e-regional", roles.REGIONAL, password=PASSWORD).username,
            "admin": make_user("e2e-admin", roles.ADMINISTRATOR, password=PASSWORD).username}


def test_a_council_shares_and_the_region_reads_its_report(region_people, live, browser, tmp_path):  # noqa: F811
    shots = tmp_path / "shots"
    shots.mkdir()
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.set_default_timeout(120_000)

    def shot(name: str, full: bool = False) -> None:
        page.screenshot(path=shots / f"{name}.png", full_page=full)

    def sign_in(who: str) -> None:
        page.goto(f"{live}/signin/")
        page.fill("#id_username", region_people[who])
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")

    def sign_out() -> None:
        page.context.clear_cookies()

    sign_in("admin")
    page.goto(f"{live}/admin/web/region/{region_people['region']}/change/")
    assert "Hartlepool (E06000001) ✓" in page.inner_text(".field-members")
    assert "region: North East" in page.input_value("#id_agreement")
    sign_out()

    sign_in("analyst")
    page.click("text=Hartlepool")
    page.click("input[value='Share with the region']")
    page.wait_for_selector("#status:text('done')")
    assert "the region imported the share" in page.inner_text("#message")
    shot("region-share")
    sign_out()

    sign_in("regional")
    page.goto(f"{live}/region/")
    assert "Hartlepool (E06000001)" in page.inner_text("#shared")
    cut = tmp_path / "stockton.share"
    cut.write_bytes(b"PK\x03\x04 a share cut short")
    page.set_input_files("input[name=share]", str(cut))
    page.click("input[value='Import the shares']")  # a job: its page says what came of the file
    page.wait_for_selector("#status:text('failed')")
    assert "stockton.share is not a share" in page.inner_text("#message")
    shot("region-refused")
    page.goto(f"{live}/region/")
    shot("region", full=True)

    page.click("text=The regional report")
    frame = page.frame_locator("iframe[title='regional report']")
    assert "North East" in frame.locator("h1").first.inner_text()
    shot("region-report")

    page.goto(f"{live}/region/")
    page.fill("input[name=runs]", "40")
    page.fill("input[name=years]", "2")
    page.click("input[value='Run regional forecast']")
    page.wait_for_selector("#status:text('done')")
    assert "children looked after" in page.inner_text("#message")
    shot("region-forecast")

    page.goto(f"{live}/region/")
    page.click("#planner")
    page.fill("input[name=scenarios]", "10")
    page.fill("input[name='solver.gap']", "0.05")
    page.fill("input[name='solver.time_limit']", "30")
    shot("region-plan", full=True)
    page.click("input[value=\"Plan the region's capacity\"]")
    page.wait_for_selector("#status:text('done')")
    page.click("text=See the plan")
    assert "Expected cost" in page.inner_text("#plan-text")
    assert page.locator("#picture svg").count() == 1
    shot("region-plan-result", full=True)
    page.close()

    keep_screenshots(shots)
    assert len(list(shots.glob("*.png"))) == 7
