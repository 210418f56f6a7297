"""End to end in Debian's Chromium, driven by Playwright: sign in, see a bad file refused,
upload a small synthetic council's returns, read the validation report, load them, view the
report, run a forecast and watch it finish, download the workbook.

Screenshots of each page are taken; set SUFFICIENCY_WEB_SCREENSHOTS to a folder (docs/web)
to keep them there.
"""

from __future__ import annotations

import threading
import zipfile
from pathlib import Path

import pytest
from web_helpers import HARTLEPOOL, PASSWORD, keep_screenshots, make_user

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not at /usr/bin/chromium: `apt-get install -y chromium` "
                    "(what .ci/run does) runs the browser tests.")
    sync = pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright: "
                               "pip install -e '.[dev,web]'").sync_playwright
    with sync() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def live(web):
    """The application on a free loopback port, with a worker, for the module's tests."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    from sufficiency.web.jobs import start_worker

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=False)
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    worker, stop = start_worker(poll=0.2)
    yield f"http://127.0.0.1:{server.server_port}"
    stop.set()
    worker.join(timeout=60)
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def e2e_analyst(councils):
    """Hartlepool's analyst, made before the browser starts (Playwright's loop would make Django
    refuse database calls from the test's own thread)."""
    from sufficiency.web import roles

    return make_user("e2e-analyst", roles.ANALYST, councils[HARTLEPOOL[0]], password=PASSWORD)


def test_an_analyst_uploads_loads_reads_forecasts_and_downloads(e2e_analyst, live, returns_zip, tmp_path, browser):
    shots = tmp_path / "shots"
    shots.mkdir()
    page = browser.new_page(viewport={"width": 1100, "height": 760}, accept_downloads=True)
    page.set_default_timeout(90_000)

    def shot(name: str) -> None:
        page.screenshot(path=shots / f"{name}.png")

    page.goto(f"{live}/")
    page.fill("#id_username", "e2e-analyst")
    page.fill("#id_password", PASSWORD)
    shot("sign-in")
    page.click("input[type=submit]")
    page.click("text=Hartlepool")
    page.click("text=Upload returns")

    bad = tmp_path / "staff-list.csv"
    bad.write_text("name,grade\nA. Person,7\n")
    page.set_input_files("input[type=file]", str(bad))
    page.click("input[type=submit]")
    assert "No 903 table was found in staff-list.csv" in page.inner_text("[role=alert]")
    shot("upload-refused")

    page.set_input_files("input[type=file]", str(returns_zip))
    page.click("input[type=submit]")
    page.wait_for_selector("#summary")
    assert "0 errors" in page.inner_text("#summary")
    shot("validation-report")
    page.click("input[value^='Load into']")
    page.wait_for_selector("#status:text('done')")
    assert "Loaded" in page.inner_text("#message")
    page.click("text=See the report")
    frame = page.frame_locator("iframe[title=report]")
    assert "Hartlepool" in frame.locator("h1").first.inner_text()
    shot("report")

    page.click("header >> text=sufficiency")
    page.click("text=Hartlepool")
    page.fill("input[name=runs]", "40")
    page.fill("input[name=years]", "2")
    page.click("input[value='Run forecast']")
    page.wait_for_selector("progress")
    shot("forecast-running")
    page.wait_for_selector("#status:text('done')")
    assert "children in care" in page.inner_text("#message")
    shot("forecast-done")

    page.click("text=See the report")
    with page.expect_download() as download:
        page.click("#workbook")
    saved = tmp_path / "tables.xlsx"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as book:
        assert "xl/workbook.xml" in book.namelist()
    page.close()

    keep_screenshots(shots)
    assert len(list(shots.glob("*.png"))) == 6
