"""Share files a regional analyst uploads are imported by the worker (the region_import job):
several at once, one share at a time, each imported or refused with the library's sentence and
audited; a share from a council that is not a member, or for a use its council did not sign up
to, leaves the store as it was; the uploaded files wait in the region's folder under names the
server made; a council analyst cannot upload (refused, audited, nothing kept or queued)."""

from __future__ import annotations

import hashlib
import html

import pytest
from test_web_region import (  # noqa: F401  (the region's fixtures)
    agreement_text,
    audited,
    cli_shares,
    client_of,
    import_through_page,
    loaded,
    region,
    store_state,
)
from web_helpers import HARTLEPOOL, everything


def kept_files(served) -> set:
    """The files in the region's shares folder."""
    folder = served.folder / "shares"
    return set(folder.iterdir()) if folder.exists() else set()


@pytest.fixture(scope="module")
def more_shares(region, loaded, tmp_path_factory):  # noqa: F811
    """Hartlepool's share under the region's agreement version, made by a Hartlepool that signed
    up to indicators only (the region imports for indicators and forecast)."""
    from sufficiency import api

    folder = tmp_path_factory.mktemp("more-shares")
    agreement = folder / "indicators-only.yaml"
    members = [("E06000001", "Hartlepool, uses: [indicators]"), ("E06000004", "Stockton-on-Tees")]
    agreement.write_text(agreement_text("North East", "2025-06", members), encoding="utf-8")
    made = api.share(api.ShareOptions(db=loaded.store, agreement=agreement, out=folder / "indicators-only.share"))
    return {"indicators only": made.out}


def test_several_shares_in_one_upload_import_each_and_refuse_the_bad_one(cli_shares, region, people):  # noqa: F811
    client = client_of(people["regional analyst"])
    kept = kept_files(region)
    response, job = import_through_page(client, cli_shares["foreign"], cli_shares["good"])
    assert job.status == "done", job.message
    lines = job.message.splitlines()
    assert lines[0] == "1 of 2 share files imported, 1 refused:"
    assert lines[1].startswith("tees.share (Hartlepool) was made for Tees Valley, not North East; nothing was imported")
    assert lines[2].startswith("Imported hartlepool.share: Hartlepool's share")
    held, _ = store_state(region)
    assert held == [(HARTLEPOOL[0], hashlib.sha256(cli_shares["good"].read_bytes()).hexdigest())]
    assert region.report_file.exists()
    new = kept_files(region) - kept  # the good file kept, named by the server
    assert [f.name for f in new] == [job.options["files"][1]["file"]]
    assert new.pop().name.startswith("upload-") and job.options["files"][1]["name"] == "hartlepool.share"
    refused, imported = audited("regional", "import share")[-2:]
    assert not refused.allowed and "tees.share" in refused.detail and refused.path == f"job {job.pk}"
    assert imported.allowed and imported.council.code == HARTLEPOOL[0] and imported.path == f"job {job.pk}"
    page = html.unescape(client.get(f"/region/jobs/{job.pk}/").content.decode())
    assert "Import shares: North East" in page and "Imported hartlepool.share" in page and "<br>" in page


def test_a_share_for_a_use_its_council_did_not_sign_up_to_is_refused(more_shares, region, people):  # noqa: F811
    client = client_of(people["regional analyst"])
    before = store_state(region)
    _response, job = import_through_page(client, more_shares["indicators only"])
    assert job.status == "failed"
    assert ("indicators-only.share (Hartlepool): the agreement (version 2025-06) does not cover the use 'forecast' "
            "for Hartlepool") in job.message
    assert store_state(region) == before
    event = audited("regional", "import share")[-1]
    assert not event.allowed and "does not cover the use 'forecast'" in event.detail


def test_a_share_from_a_council_no_longer_a_member_is_refused(cli_shares, region, people):  # noqa: F811
    from sufficiency.web.models import Region

    everything()
    signed = region.agreement
    without = [("E06000004", "Stockton-on-Tees"), ("E06000002", "Middlesbrough")]
    Region.objects.filter(pk=region.pk).update(agreement=agreement_text("North East", "2025-06", without))
    try:
        before = store_state(region)
        _response, job = import_through_page(client_of(people["regional analyst"]), cli_shares["good"])
        assert job.status == "failed"
        assert ("hartlepool.share (Hartlepool): Hartlepool (E06000001) is not a member council of North East under "
                "its agreement version 2025-06; nothing was imported.") in job.message
        assert store_state(region) == before
    finally:
        everything()
        Region.objects.filter(pk=region.pk).update(agreement=signed)
    assert not audited("regional", "import share")[-1].allowed


def test_a_council_analyst_cannot_upload_shares_and_is_audited(cli_shares, region, people):  # noqa: F811
    from sufficiency.web.models import Job

    everything()
    jobs, kept = Job.objects.count(), kept_files(region)
    client = client_of(people["hartlepool analyst"])
    with cli_shares["good"].open("rb") as fh:
        response = client.post("/region/upload/", {"share": fh})
    assert response.status_code == 403
    everything()
    assert Job.objects.count() == jobs and kept_files(region) == kept
    event = audited("hart-analyst", "view regional")[-1]
    assert not event.allowed and event.path == "/region/upload/" and "needs view_regional" in event.detail
    last = Job.objects.filter(kind="region_import").latest("id")
    assert client.get(f"/region/jobs/{last.pk}/").status_code == 403
    assert audited("hart-analyst", "view regional")[-1].path == f"/region/jobs/{last.pk}/"
