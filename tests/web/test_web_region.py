"""The region in the web application: a council shares through its page (a job that runs the
library's share and import), a regional analyst imports a share file made with the command line
(a job the worker runs) and sees a truncated, altered or foreign file refused with nothing imported, reads the councils
that have shared and the regional report, runs the regional forecast; an administrator withdraws
a council. Every share and import is audited, and the regional store holds no child identifier
of the council's. The tests run in order: each builds on the region the one before left."""

from __future__ import annotations

import html
import re
import stat
import zipfile

import pytest
from web_helpers import DARLINGTON, HARTLEPOOL, everything

MEMBERS = [("E06000001", "Hartlepool"), ("E06000004", "Stockton-on-Tees"), ("E06000002", "Middlesbrough")]


def agreement_text(region: str, version: str, members=MEMBERS) -> str:
    """The shipped example agreement, made the agreement of `region` at `version` with `members`."""
    from sufficiency.region.agreement import shipped

    text = shipped()["greater manchester"].read_text(encoding="utf-8")
    text = text.replace("region: Greater Manchester", f"region: {region}")
    text = text.replace('version: "2025-04"', f'version: "{version}"')
    listed = "".join(f"  - {{code: {code}, name: {name}}}\n" for code, name in members)
    return re.sub(r"councils:\n(  - .*\n)+", f"councils:\n{listed}", text)


@pytest.fixture(scope="module")
def region(web, councils):
    from sufficiency.web.models import Region

    everything()
    made, _ = Region.objects.update_or_create(name="North East", defaults={
        "agreement": agreement_text("North East", "2025-06"), "uses": "indicators,forecast"})
    made.full_clean()
    return made


@pytest.fixture(scope="module")
def loaded(councils, returns):
    """Hartlepool's store, loaded from the synthetic returns (as the load job would)."""
    from sufficiency import api

    hart = councils[HARTLEPOOL[0]]
    hart.folder.mkdir(parents=True, exist_ok=True)
    if not hart.store.exists():
        api.load(api.LoadOptions(path=returns, db=hart.store, la=hart.code))
    return hart


def client_of(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def run_jobs() -> None:
    """Run every queued job in this thread, as the worker would."""
    from sufficiency.web.jobs import run_one

    while run_one():
        pass


def audited(username: str, action: str):
    from sufficiency.web.models import AuditEvent

    everything()
    return list(AuditEvent.objects.filter(username=username, action=action).order_by("id"))


def store_state(region):
    """What the region's store holds: (council, share checksum) pairs and the log's length."""
    from sufficiency.region.store import read_log
    from sufficiency.web.region_work import shared

    if not region.store.exists():
        return [], 0
    held = shared(region)
    return sorted(zip(held["council"], held["share"], strict=True)), len(read_log(region.store))


def test_a_council_analyst_shares_through_the_page_and_the_region_imports_it(region, loaded, people):
    from sufficiency.web.models import Job

    analyst = people["hartlepool analyst"]
    response = client_of(analyst).post(f"/c/{HARTLEPOOL[0]}/share/")
    everything()
    job = Job.objects.filter(council=loaded, kind="share").latest("id")
    assert response.status_code == 302 and response.url == f"/c/{HARTLEPOOL[0]}/jobs/{job.pk}/"
    run_jobs()
    job.refresh_from_db()
    assert job.status == "done", job.message
    assert "with North East under agreement version 2025-06" in job.message
    held, _ = store_state(region)
    assert [code for code, _sha in held] == [HARTLEPOOL[0]]
    assert region.report_file.exists()
    shared = audited(analyst.username, "share")[-1]
    imported = audited(analyst.username, "import share")[-1]
    assert shared.allowed and shared.council == loaded and "children" in shared.detail
    assert imported.allowed and imported.council == loaded and "Hartlepool (E06000001)" in imported.detail
    assert audited(analyst.username, "run share")[-1].allowed
    page = client_of(analyst).get(f"/c/{HARTLEPOOL[0]}/jobs/{job.pk}/").content.decode()
    assert "Share with the region" in page and "the region imported the share" in page


def test_the_pseudonym_key_stays_in_the_councils_folder_and_no_identifier_reaches_the_region(region, loaded):
    from sufficiency.region.store import connect, tables
    from sufficiency.store import Store
    from sufficiency.web.models import AuditEvent, Job

    key = loaded.folder / "la.share-key"
    assert key.exists() and stat.S_IMODE(key.stat().st_mode) == 0o600
    secret = key.read_text().strip()
    with Store(loaded.store) as store:
        ids = set(store.sql("SELECT DISTINCT child FROM children")["child"].astype(str))
    assert len(ids) > 10
    con = connect(region.store, read_only=True)
    try:
        values, children = set(), 0
        for name in sorted(tables(con)):
            frame = con.execute(f'SELECT * FROM "{name}"').df()
            for col in frame.columns:
                values |= set(frame[col].dropna().astype(str))
            if name == "children":
                children = len(frame)
    finally:
        con.close()
    assert children == len(ids)  # every child arrived, each under a pseudonym
    assert not ids & values
    everything()
    for f in region.folder.rglob("*"):
        if f.is_file() and f.suffix in (".yaml", ".html", ".lock"):
            assert secret not in f.read_text(encoding="utf-8", errors="replace"), f
    assert not AuditEvent.objects.filter(detail__contains=secret).exists()
    assert not Job.objects.filter(message__contains=secret).exists()


def test_a_council_outside_the_agreement_is_told_so_and_nothing_is_queued(region, people):
    from sufficiency.web.models import Job

    everything()
    before = Job.objects.filter(kind="share").count()
    client = client_of(people["darlington analyst"])
    response = client.post(f"/c/{DARLINGTON[0]}/share/", follow=True)
    assert "Darlington is not a member council of North East under its agreement version 2025-06" in \
        html.unescape(response.content.decode())
    everything()
    assert Job.objects.filter(kind="share").count() == before
    assert not audited("darl-analyst", "share")[-1].allowed


def test_the_regional_analyst_sees_who_shared_and_the_regional_report(region, people):
    client = client_of(people["regional analyst"])
    page = client.get("/region/").content.decode()
    table = page[page.index('<table id="shared">'):]
    table = table[:table.index("</table>")]
    held = store_state(region)[0]
    assert "Hartlepool (E06000001)" in table and "2025-06" in table and len(held) == 1
    assert "Agreement version <strong>2025-06</strong>" in page
    assert client.get("/region/report/").status_code == 200
    report = b"".join(client.get("/region/report.html").streaming_content).decode()
    assert "North East" in report and "Hartlepool" in report
    assert "Withdraw" not in page  # an administrator's button


@pytest.fixture(scope="module")
def cli_shares(region, loaded, tmp_path_factory):
    """Shares made as a council's command line makes them: one for this region, one for another
    region, one under an old agreement version; a truncated and an altered copy; a file that is
    not a share."""
    from sufficiency import api

    folder = tmp_path_factory.mktemp("shares")

    def make(name: str, region_name: str, version: str):
        agreement = folder / f"{name}.yaml"
        agreement.write_text(agreement_text(region_name, version), encoding="utf-8")
        return api.share(api.ShareOptions(db=loaded.store, agreement=agreement, out=folder / f"{name}.share")).out

    good = make("hartlepool", "North East", "2025-06")
    data = good.read_bytes()
    truncated, altered, text = folder / "cut.share", folder / "altered.share", folder / "notes.share"
    truncated.write_bytes(data[: len(data) // 2])
    with zipfile.ZipFile(good) as z, zipfile.ZipFile(altered, "w") as out:  # a whole zip, one part changed
        for name in z.namelist():
            part = z.read(name)
            if name == "children.parquet":
                part = part[:100] + bytes([part[100] ^ 0xFF]) + part[101:]
            out.writestr(name, part)
    text.write_text("not a share\n")
    return {"good": good, "truncated": truncated, "altered": altered, "not a share": text,
            "foreign": make("tees", "Tees Valley", "2025-06"), "old version": make("old", "North East", "2024-01")}


def import_through_page(client, *paths):
    """Upload share files on the regional page and run the job it queues, as the worker would;
    the page's response and the finished job."""
    from contextlib import ExitStack

    from sufficiency.web.models import Job

    with ExitStack() as files:
        response = client.post("/region/upload/", {"share": [files.enter_context(p.open("rb")) for p in paths]})
    everything()
    job = Job.objects.filter(kind="region_import").latest("id")
    assert response.status_code == 302 and response.url == f"/region/jobs/{job.pk}/"
    assert job.council is None and job.status == "queued"
    run_jobs()
    job.refresh_from_db()
    return response, job


@pytest.mark.parametrize(("which", "said"), [
    ("truncated", "is not a share, or is damaged or cut short"),
    ("altered", "the part children.parquet does not match its checksum in the manifest: the file was altered"),
    ("not a share", "is not a share"),
    ("foreign", "was made for Tees Valley, not North East"),
    ("old version", "was made under agreement version 2024-01, but the region's agreement is version 2025-06"),
])
def test_a_bad_share_file_is_refused_with_a_sentence_and_nothing_is_imported(which, said, cli_shares, region, people):
    client = client_of(people["regional analyst"])
    before = store_state(region)
    kept = set((region.folder / "shares").iterdir())
    path = cli_shares[which]
    _response, job = import_through_page(client, path)
    assert job.status == "failed" and said in job.message and path.name in job.message
    page = html.unescape(client.get(f"/region/jobs/{job.pk}/").content.decode())
    alert = page[page.index('id="message"'):]
    assert said in alert and path.name in alert and str(region.folder) not in page
    assert store_state(region) == before
    assert set((region.folder / "shares").iterdir()) == kept  # the refused file is not kept
    event = audited("regional", "import share")[-1]
    assert not event.allowed and said in event.detail and path.name in event.detail
    assert event.path == f"job {job.pk}"


def test_a_share_made_with_the_command_line_is_imported_through_the_page(cli_shares, region, people):
    import hashlib

    client = client_of(people["regional analyst"])
    _response, job = import_through_page(client, cli_shares["good"])
    assert job.status == "done", job.message
    page = html.unescape(client.get(f"/region/jobs/{job.pk}/", follow=True).content.decode())
    assert "Imported hartlepool.share: Hartlepool's share" in page and "replaced the council's earlier share" in page
    held, _ = store_state(region)
    assert held == [(HARTLEPOOL[0], hashlib.sha256(cli_shares["good"].read_bytes()).hexdigest())]
    event = audited("regional", "import share")[-1]
    assert event.allowed and event.council.code == HARTLEPOOL[0] and event.detail.startswith("hartlepool.share:")
    queued = audited("regional", "queue share import")[-1]
    assert queued.allowed and queued.detail == f"job {job.pk}: hartlepool.share"


def test_the_regional_forecast_runs_as_a_job_of_the_region(region, people):
    from sufficiency.web.models import Job

    client = client_of(people["regional analyst"])
    response = client.post("/region/forecast/", {"years": 1, "runs": 20})
    everything()
    job = Job.objects.filter(kind="region_forecast").latest("id")
    assert job.council is None and response.url == f"/region/jobs/{job.pk}/"
    run_jobs()
    job.refresh_from_db()
    assert job.status == "done", job.message
    assert job.message.startswith("Forecast North East 1 years ahead, 20 runs: about")
    page = client.get(f"/region/jobs/{job.pk}/").content.decode()  # seen through the regional scope
    assert "Regional forecast: North East" in page and job.message in page
    assert audited("regional", "run regional forecast")[-1].allowed


def test_only_an_administrator_withdraws_a_council(region, people):
    client = client_of(people["regional analyst"])
    assert client.post(f"/region/withdraw/{HARTLEPOOL[0]}/").status_code == 403
    assert [c for c, _ in store_state(region)[0]] == [HARTLEPOOL[0]]
    assert not audited("regional", "withdraw council")[-1].allowed
    response = client_of(people["administrator"]).post(f"/region/withdraw/{HARTLEPOOL[0]}/", follow=True)
    assert "Hartlepool was withdrawn" in html.unescape(response.content.decode())
    assert store_state(region)[0] == [] and not region.report_file.exists()
    event = audited("administrator", "withdraw council")[-1]
    assert event.allowed and event.council.code == HARTLEPOOL[0] and "rows deleted" in event.detail


def test_a_councils_share_is_shown_in_words():
    from sufficiency.web.region_work import for_page

    row = {"name": "Bolton", "made_at": "2026-12-06T02:54:24", "imported_at": "2026-12-06T09:05:00",
           "keep_until": "2028-12-06", "years": "[2021, 2022, 2023, 2024]"}
    shown = for_page(row)
    assert (shown["made_at"], shown["imported_at"], shown["keep_until"]) == ("6 Dec 2026 02:54", "6 Dec 2026 09:05",
                                                                             "6 Dec 2028")
    assert shown["years"] == "2020/21 to 2023/24" and for_page({**row, "years": "[2025]"})["years"] == "2024/25"
