"""The region's work, done through `sufficiency.api` as the command line does it: a council's
share sent from the page (the worker's `share` job), share files a regional analyst uploaded
(the `region_import` job, region_import.py), a council withdrawn, the regional forecast (the
`region_forecast` job; the plan's job, `region_plan`, is region_plan.py's), and the regional
report written after each.

Sharing runs the library's `share` on the council's store with the council's pseudonym key,
which the library makes on the first share and keeps beside the store in the council's folder
(`councils/<code>/la.share-key`, readable by the server's user only); the key never enters a
page, the database or the region's folder. The share is then imported into the region's store
by the library's `region add`, which checks the council's membership and the agreement's
version and refuses, with a sentence, anything else. Every share, import and withdrawal is a row
of the audit log.

Only one piece of work writes the regional store at a time (`store_lock`: a lock in the process
and, on POSIX, on a file beside the store for other processes).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
from pathlib import Path

import pandas as pd
from django.utils import timezone

from .. import api
from ..errors import SufficiencyError
from ..region.store import DATA_TABLES, connect, councils, read_log, tables
from .models import AuditEvent, Job
from .regions_models import Region

KINDS = ("share", "region_forecast")  # the region_plan and region_import jobs are their modules'
SHOWN_TABLES = ("children", "episodes", "placements")  # row counts shown for each council's share
_lock = threading.Lock()


@contextlib.contextmanager
def store_lock(region: Region):
    """Hold the regional store for writing (waits for any other writer)."""
    region.folder.mkdir(parents=True, exist_ok=True)
    with _lock, open(region.folder / ".store.lock", "w") as fh:
        if os.name == "posix":
            import fcntl

            fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def audit_job(job: Job, action: str, *, allowed: bool = True, detail: str = "", council=None) -> None:
    """A row of the audit log for work the worker did on `job`'s behalf (about `council`, by
    default the job's)."""
    AuditEvent.objects.create(user=job.created_by, username=job.created_by.get_username(), action=action,
                              council=council or job.council, path=f"job {job.pk}", allowed=allowed,
                              detail=detail[:2000])


def current() -> Region:
    region = Region.current()
    if region is None:
        raise SufficiencyError("No region is set up on this server yet: an administrator adds it, with its "
                               "agreement, in the admin pages (Regions).")
    return region


def in_words(said: str | Exception, path: Path) -> str:
    """The library's sentence, naming the file as the person knows it rather than the server's path."""
    return str(said).replace(str(path), path.name)


def run(job: Job, progress) -> str:
    """Do a region job; the sentence saying what was done."""
    region = current()
    if job.kind == "share":
        return share(job, region)
    return forecast(job, region, progress)


def share(job: Job, region: Region) -> str:
    """The council's share under the region's agreement, imported into the region's store."""
    council = job.council
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = region.folder / "shares" / f"{council.code}-{stamp}.share"
    agreement = region.agreement_file()
    try:
        made = api.share(api.ShareOptions(db=council.store, agreement=agreement, out=out))
    except SufficiencyError as exc:
        audit_job(job, "share", allowed=False, detail=f"refused: {exc}")
        raise SufficiencyError(in_words(in_words(exc, council.store), agreement)) from None
    rows = ", ".join(f"{r.table} {r.rows:,}" for r in made.rows.itertuples())
    audit_job(job, "share", detail=f"{out.name} under {made.region} agreement version {made.agreement_version}: {rows}")
    Job.objects.filter(pk=job.pk).update(step="importing into the region's store", heartbeat=timezone.now())
    imported = import_shares(region, [out], job=job)
    children = int(imported["children"].iloc[0])
    return (f"Shared {children:,} children's pseudonymised histories with {made.region} under agreement version "
            f"{made.agreement_version}; the region imported the share.")


def import_shares(region: Region, files: list[Path], *, job: Job) -> pd.DataFrame:
    """Import share files into the region's store for `job` (all or none; refused files are
    deleted), and write the regional report again; the imported councils."""
    with store_lock(region):
        try:
            done = add_shares(region, files, job)
        except SufficiencyError:
            for f in files:
                f.unlink(missing_ok=True)
            raise
        write_report(region)
    return done


def add_shares(region: Region, files: list[Path], job: Job, names: dict[Path, str] | None = None) -> pd.DataFrame:
    """The library's `region add` of `files` (all or none) for `job`, with an audit row for each
    share imported or one for the refusal, whose sentence names each file as `names` gives it
    (the name a person knows it by; by default the file's own). Called with the store held;
    writes no report and deletes nothing."""
    names = names or {f: f.name for f in files}
    try:
        done = api.region_add(api.RegionAddOptions(
            files=files, db=region.store, agreement=str(region.agreement_file()), uses=region.use_list)).imported
    except SufficiencyError as exc:
        sentence = str(exc)
        for f in files:
            sentence = sentence.replace(str(f), names[f])
        sentence = sentence.replace(str(region.store), "the region's store")
        audit_job(job, "import share", allowed=False, detail=f"refused: {sentence}")
        raise SufficiencyError(sentence) from None
    for row in done.itertuples():
        name = names.get(Path(row.file), Path(row.file).name)
        audit_job(job, "import share", council=council_named(row.council),
                  detail=f"{name}: {row.name} ({row.council}), {row.children:,} children"
                         + ("; replaced the earlier share" if row.replaced else ""))
    return done


def council_named(code: str):
    """The Council of this ONS code, or None when it is not one of this server's."""
    from .models import Council

    return Council.objects.filter(code=code).first()


def withdraw(region: Region, council: str) -> api.RegionRemoveResult:
    """Remove every row of a council from the region's store (library's `region remove`)."""
    with store_lock(region):
        done = api.region_remove(api.RegionRemoveOptions(council=council, db=region.store))
        write_report(region)
    return done


def forecast(job: Job, region: Region, progress) -> str:
    options = api.RegionForecastOptions(db=region.store, **job.options)
    with store_lock(region):
        result = api.region_forecast(options, progress)
        Job.objects.filter(pk=job.pk).update(step="writing the regional report", heartbeat=timezone.now())
        write_report(region)
    whole = result.horizon[result.horizon["measure"] == "children"].iloc[-1]  # the region's row comes last
    return (f"Forecast {whole['name']} {options.years} years ahead, {options.runs:,} runs: about "
            f"{whole['median']:,.0f} children looked after at the end ({whole['low']:,.0f} to {whole['high']:,.0f}).")


def write_report(region: Region) -> None:
    """The regional report (small numbers suppressed), written beside the old one and moved over
    it; removed when the store holds no council's share. Called with the store held."""
    path = region.report_file
    if not shared(region).shape[0]:
        path.unlink(missing_ok=True)
        return
    new = path.with_name(f".new-{path.name}")
    api.region_report(api.RegionReportOptions(db=region.store, out=new, suppression=True))
    os.replace(new, path)


def shared(region: Region) -> pd.DataFrame:
    """The councils whose shares the region's store holds: name, code, when made and imported,
    agreement version, years, and the rows of each table shown. StoreError when the store is
    being written."""
    if not region.store.exists():
        return pd.DataFrame(columns=["council", "name"])
    con = connect(region.store, read_only=True)
    try:
        held = councils(con)
        have = tables(con)
        for name in SHOWN_TABLES:
            if name in have and name in DATA_TABLES:
                counts = dict(con.execute(f'SELECT council, count(*) FROM "{name}" GROUP BY council').fetchall())
                held[name] = held["council"].map(counts).fillna(0).astype(int)
    finally:
        con.close()
    return held


def when(text: str, minutes: bool = True) -> str:
    """An ISO time or date as a person reads it: 6 Dec 2026 02:54 (or 6 Dec 2026)."""
    try:
        day = dt.datetime.fromisoformat(str(text))
    except ValueError:
        return str(text or "")
    return f"{day.day} {day:%b %Y}" + (f" {day:%H:%M}" if minutes else "")


def for_page(row: dict) -> dict:
    """A council's row of `shared` as a person reads it: times to the minute, dates in words,
    the returns' years as collection years (2021 -> 2020/21)."""
    import json

    from ..vocab import year_label

    years = json.loads(row["years"]) if isinstance(row.get("years"), str) and row["years"] else []
    shown = f"{year_label(min(years))} to {year_label(max(years))}" if len(years) > 1 else ", ".join(map(year_label, years))
    return {**row, "made_at": when(row.get("made_at")), "imported_at": when(row.get("imported_at")),
            "keep_until": when(row.get("keep_until"), minutes=False), "years": shown}


def history(region: Region, last: int = 20) -> pd.DataFrame:
    """The latest rows of the store's log of imports, removals and agreements, newest first (files
    named as in the region's folder, not by the server's path)."""
    if not region.store.exists():
        return pd.DataFrame(columns=["logged_at", "action", "name", "detail"])
    rows = read_log(region.store).iloc[::-1].head(last)
    return rows.assign(detail=rows["detail"].str.replace(f"{region.folder}{os.sep}", "", regex=False),
                       logged_at=rows["logged_at"].map(when))

