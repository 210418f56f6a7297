"""Uploads: hostile or wrong files refused with a sentence and nothing kept; good returns
validated in the page, loaded by the worker through the library, reported and forecast."""

from __future__ import annotations

import html
import io
import tempfile
import zipfile
from pathlib import Path

import pytest
from web_helpers import HARTLEPOOL, everything

CODE = HARTLEPOOL[0]


def zipped(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


def workbook(with_macros: bool) -> bytes:
    from openpyxl import Workbook

    book, buffer = Workbook(), io.BytesIO()
    book.active.append(["CHILD", "SEX", "DOB"])
    book.save(buffer)
    if not with_macros:
        return buffer.getvalue()
    with zipfile.ZipFile(buffer, "a") as z:
        z.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not run")
    return buffer.getvalue()


HOSTILE = {
    "zip bomb": ("returns.zip", zipped({"2024/episodes.csv": b"0" * 50_000_000}), "zip bomb"),
    "path traversal": ("returns.zip", zipped({"../../etc/episodes.csv": b"CHILD,DECOM\n1,01/04/2023\n"}),
                       "outside the zip's own folder"),
    "absolute path": ("returns.zip", zipped({"/tmp/episodes.csv": b"CHILD\n1\n"}), "outside the zip's own folder"),
    "zip in a zip": ("returns.zip", zipped({"inner.zip": zipped({"a.csv": b"x"})}), "another zip"),
    "macro workbook": ("header.xlsm", workbook(False), "can hold macros"),
    "macros in an .xlsx": ("header.xlsx", workbook(True), "holds macros"),
    "macros inside a zip": ("returns.zip", zipped({"2024/header.xlsm": workbook(False)}), "can hold macros"),
    "not a 903 file": ("staff.csv", b"name,grade,salary\nA. Person,7,30000\n", "No 903 table was found"),
    "a program": ("run.exe", b"MZ\x90\x00", "not a CSV, XLSX, XML or ZIP"),
    "a broken zip": ("returns.zip", b"PK\x03\x04 broken", "not a readable zip"),
}


def leftovers() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("sufficiency-upload-*")}


@pytest.fixture
def analyst(people):
    from django.test import Client

    client = Client()
    client.force_login(people["hartlepool analyst"])
    return client


def post_files(client, files: list[tuple[str, bytes]], **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(f"/c/{CODE}/upload/", {"files": [SimpleUploadedFile(n, d) for n, d in files]}, **extra)


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_and_wrong_uploads_are_refused_and_nothing_is_kept(case, analyst, councils):
    from sufficiency.web.models import AuditEvent, Upload

    name, data, said = HOSTILE[case]
    everything()
    uploads, before = Upload.objects.count(), leftovers()
    response = post_files(analyst, [(name, data)])
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert said in page and "sufficiency-upload-" not in page  # no server folder in the sentence
    everything()
    assert Upload.objects.count() == uploads
    assert leftovers() <= before
    assert not (councils[CODE].folder / "uploads").exists() or not any(
        p.name not in {str(u.pk) for u in Upload.objects.all()} for p in (councils[CODE].folder / "uploads").iterdir())
    event = AuditEvent.objects.filter(username="hart-analyst", action="upload").latest("id")
    assert not event.allowed and event.detail.startswith("refused")


def test_an_upload_larger_than_the_limit_is_refused_before_it_is_read(analyst):
    from sufficiency.web.uploads import MAX_UPLOAD_MB

    response = post_files(analyst, [("episodes.csv", b"CHILD\n1\n")], CONTENT_LENGTH=str(MAX_UPLOAD_MB * 10**6 + 1))
    assert response.status_code == 400
    assert f"more than the {MAX_UPLOAD_MB} MB allowed" in response.content.decode()


def test_returns_are_validated_loaded_reported_and_forecast(analyst, returns_zip, returns, councils):
    from sufficiency.web import jobs
    from sufficiency.web.models import Job, Upload

    council = councils[CODE]
    # one year's episodes with a start date that is no date: validated, shown, still accepted (the
    # year in the file's name: one row whose only date is broken cannot tell it)
    bad = (returns / "2024" / "episodes.csv").read_text().splitlines()
    cells = bad[1].split(",")
    cells[1] = "31/02/2024"
    response = post_files(analyst, [("episodes_2023-24.csv", "\n".join([bad[0], ",".join(cells)]).encode())])
    assert response.status_code == 302
    page = html.unescape(analyst.get(response.url).content.decode())
    assert "DECOM '31/02/2024' is not a date" in page and "DATE_INVALID" in page

    response = post_files(analyst, [(returns_zip.name, returns_zip.read_bytes())])
    assert response.status_code == 302
    everything()
    upload = Upload.objects.filter(council=council).latest("id")
    assert (upload.folder / returns_zip.name).exists() and upload.errors == 0
    response = analyst.post(f"/c/{CODE}/upload/{upload.pk}/load/")
    job_url = response.url
    assert jobs.run_one()
    everything()
    job = Job.objects.get(pk=int(job_url.rstrip("/").rsplit("/", 1)[1]))
    assert job.status == "done", job.message
    assert council.store.exists() and council.report_file("xlsx", False).exists()
    assert "Hartlepool" in analyst.get(f"/c/{CODE}/report.html").getvalue().decode()

    analyst.post(f"/c/{CODE}/forecast/", {"years": 2, "runs": 20})
    assert jobs.run_one()
    everything()
    job = Job.objects.filter(council=council, kind="forecast").latest("id")
    assert job.status == "done" and "children in care" in job.message, job.message
    assert analyst.get(job_url).status_code == 200
    workbook_bytes = analyst.get(f"/c/{CODE}/report.xlsx").getvalue()
    assert zipfile.ZipFile(io.BytesIO(workbook_bytes)).testzip() is None


def test_the_library_sentences_name_the_files_not_the_servers_folder():
    from sufficiency.web.uploads import unstaged

    folder = Path(tempfile.gettempdir()) / "sufficiency-upload-abc"
    said = f"Nothing was kept. {folder} holds no 903 table; see {folder}/2024/header.csv and {folder}."
    assert unstaged(said, folder) == ("Nothing was kept. The upload holds no 903 table; see 2024/header.csv "
                                      "and the upload.")
