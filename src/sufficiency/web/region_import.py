"""Share files a regional analyst uploads, imported by the worker (the `region_import` job), so
a region taking in ten councils' shares does not hold a request open.

The page only checks the upload's size, writes each file into the region's folder under a
name the server makes (`region/shares/upload-<random>-<n>.share`; the name it was uploaded as
is kept in the job's options, for the sentences shown, never as a path), and queues the job.
The worker then imports the files one by one through the library's `region add`, which checks
each share whole (a share cut short, altered, made for another region or another agreement
version, from a council that is not a member, or for a use the council did not sign up to is
refused with a sentence, and nothing of it is imported). A refused share does not stop the
others; each share's import or refusal is a row of the audit log, in the name of the person who
uploaded it. A refused file is deleted once the job is over (not at once, so a job queued again
after its worker stopped reads every file again); an imported one is kept, as the region's
record of what it imported.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from ..errors import StoreError, SufficiencyError
from .models import Job
from .region_work import add_shares, store_lock, write_report
from .regions_models import Region

STORE_TRIES = 5  # the region's store may be open for a moment to a page reading it


def shown_name(name: str) -> str:
    """The uploaded file's own name, without folders or unusual characters, for sentences."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9._ -]", "_", base)[:100] or "upload.share"


def stage(region: Region, given) -> list[dict[str, str]]:
    """Write the uploaded files (Django's UploadedFile) into the region's shares folder under
    names the server makes; the job's list of {"file": that name, "name": the name uploaded}."""
    folder = region.folder / "shares"
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(6)
    staged = []
    for n, upload in enumerate(given, start=1):
        path = folder / f"upload-{token}-{n}.share"
        with path.open("xb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
        staged.append({"file": path.name, "name": shown_name(upload.name or "")})
    return staged


def staged_files(region: Region, job: Job) -> list[tuple[Path, str]]:
    """The job's files as (path in the region's shares folder, name uploaded); a name in the
    options is only ever a file name inside that folder."""
    folder = region.folder / "shares"
    return [(folder / Path(str(f["file"])).name, shown_name(str(f.get("name", ""))))
            for f in job.options.get("files", [])]


def _import_one(region: Region, job: Job, path: Path, name: str):
    """One share imported (the library's result row), or SufficiencyError with its sentence."""
    tries = 0
    while True:
        try:
            with store_lock(region):
                return add_shares(region, [path], job, {path: name}).iloc[0]
        except StoreError:
            tries += 1
            if tries >= STORE_TRIES:
                raise
            time.sleep(1)


def run(job: Job, region: Region, progress) -> str:
    """Import the job's share files one by one; the sentences saying what came of each (a
    SufficiencyError holding them when none was imported)."""
    files = staged_files(region, job)
    if not files:
        raise SufficiencyError("The job holds no share file to import.")
    said, refused = [], []
    for n, (path, name) in enumerate(files):
        progress(f"share {n + 1} of {len(files)}: {name}", n, len(files))
        try:
            row = _import_one(region, job, path, name)
        except SufficiencyError as exc:
            said.append(str(exc))
            refused.append(path)
            continue
        said.append(f"Imported {name}: {row['name']}'s share, {row['children']:,} children"
                    + (" (it replaced the council's earlier share)." if row["replaced"] else "."))
    imported = len(files) - len(refused)
    if imported:
        progress("writing the regional report", len(files), len(files))
        with store_lock(region):
            write_report(region)
    for path in refused:
        path.unlink(missing_ok=True)
    if len(files) > 1:
        said.insert(0, f"{imported} of {len(files)} share files imported"
                       + (f", {len(refused)} refused:" if refused else ":"))
    if not imported:
        raise SufficiencyError("\n".join(said))
    return "\n".join(said)
