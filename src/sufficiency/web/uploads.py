"""What an upload may hold, checked before anything is kept.

Limits: one upload (all its files) at most MAX_UPLOAD_MB; CSV, XLSX, XML or ZIP files only; a
zip may hold at most MAX_MEMBERS files, MAX_UNZIPPED_MB once unpacked, none packed more than
MAX_RATIO times (a zip bomb), none named outside the zip's own folder (path traversal) and no
zip inside it. A workbook with macros (.xlsm, or an .xlsx holding a VBA project) is refused:
the returns never need code, and nothing uploaded is ever run. Each refusal is a sentence
naming the file; a refused upload writes nothing.

An accepted upload is read by the library's own reader (`sufficiency.api.validate`); files in
which it recognises no 903 table are refused in the same way.
"""

from __future__ import annotations

import io
import re
import secrets
import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath, PureWindowsPath

from ..errors import InputError

MAX_UPLOAD_MB = 200
MAX_UNZIPPED_MB = 1000
MAX_MEMBERS = 500
MAX_RATIO = 200
RETURN_SUFFIXES = {".csv", ".xlsx", ".xml"}
MACRO_SUFFIXES = {".xlsm", ".xltm", ".xlam", ".xlsb"}


MAX_YAML = 256 * 1024  # bytes an uploaded reform or options file may have


class Refused(InputError):
    """An upload or form refused before anything was kept; the page shows it again with this sentence."""


def check_size(content_length: str | None) -> None:
    """Refuse a request body larger than MAX_UPLOAD_MB before it is read."""
    try:
        size = int(content_length or "")
    except ValueError:
        raise Refused("The upload gave no size; send the files from the upload page.") from None
    if size > MAX_UPLOAD_MB * 1_000_000:
        raise Refused(f"The upload is {size / 1e6:,.0f} MB, more than the {MAX_UPLOAD_MB} MB allowed; "
                      "zip the returns, or upload fewer years at a time.")


def _kind(name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in MACRO_SUFFIXES:
        raise Refused(f"{name} is a workbook that can hold macros; save it as .xlsx (Excel: File > Save As > "
                      "Excel Workbook) or as CSV and upload that.")
    if suffix == ".xls":
        raise Refused(f"{name} is an old .xls workbook; save it as .xlsx or CSV and upload that.")
    if suffix not in RETURN_SUFFIXES | {".zip"}:
        raise Refused(f"{name} is not a CSV, XLSX, XML or ZIP file, so it cannot be a 903 return.")
    return suffix


def _check_workbook(name: str, data) -> None:
    """Refuse an .xlsx that is not a workbook or that carries a VBA project."""
    try:
        with zipfile.ZipFile(data) as book:
            parts = [p.lower() for p in book.namelist()]
    except zipfile.BadZipFile:
        raise Refused(f"{name} is not a readable Excel workbook.") from None
    if any(p.endswith("vbaproject.bin") for p in parts):
        raise Refused(f"{name} holds macros although it is named .xlsx; save it again as an Excel Workbook "
                      "without macros, or as CSV.")


def _safe_member(zip_name: str, member: str) -> PurePosixPath:
    path = PurePosixPath(member.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or PureWindowsPath(member).drive:
        raise Refused(f"{zip_name} holds a file named {member!r}, outside the zip's own folder; "
                      "zip the returns folder again.")
    return path


def _check_zip(name: str, data) -> None:
    try:
        archive = zipfile.ZipFile(data)
    except zipfile.BadZipFile:
        raise Refused(f"{name} is not a readable zip archive.") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_MEMBERS:
            raise Refused(f"{name} holds {len(members):,} files, more than the {MAX_MEMBERS} allowed.")
        total = sum(m.file_size for m in members)
        if total > MAX_UNZIPPED_MB * 1_000_000:
            raise Refused(f"{name} unpacks to {total / 1e6:,.0f} MB, more than the {MAX_UNZIPPED_MB} MB allowed.")
        for m in members:
            path = _safe_member(name, m.filename)
            if m.file_size > MAX_RATIO * max(m.compress_size, 1) and m.file_size > 1_000_000:
                raise Refused(f"{name}: {m.filename} unpacks to {m.file_size / m.compress_size:,.0f} times its "
                              "packed size, as a zip bomb does; it was not opened.")
            if path.name.startswith((".", "~$")) or "__MACOSX" in path.parts:
                continue
            if _kind(f"{name}: {path}") == ".zip":
                raise Refused(f"{name} holds another zip, {path}; unzip it and upload the files.")
            if path.suffix.lower() == ".xlsx":
                with archive.open(m) as inner:
                    _check_workbook(f"{name}: {path}", io.BytesIO(inner.read()))


def screen(files) -> None:
    """Refuse the upload if any file breaks the rules above; `files` are Django UploadedFiles."""
    if not files:
        raise Refused("Choose the files of the returns (CSV, XLSX or XML), or one zip of them.")
    for f in files:
        kind = _kind(f.name)
        if kind in (".zip", ".xlsx"):
            f.seek(0)
            (_check_zip if kind == ".zip" else _check_workbook)(f.name, f)
            f.seek(0)


def unstaged(said: str, folder: Path) -> str:
    """The library's sentence about the staged files without the server's temporary folder: its
    files by name, the folder itself as "the upload"."""
    said = said.replace(f"{folder}/", "")
    return re.sub(rf"(^|[.!?] +)?{re.escape(str(folder))}", lambda m: f"{m.group(1)}The upload" if m.group(1) is not None
                  else "the upload", said)


def stage(files) -> Path:
    """Write the screened files into a new temporary folder, each under its own base name."""
    folder = Path(tempfile.mkdtemp(prefix="sufficiency-upload-"))
    try:
        for f in files:
            target = folder / Path(f.name).name
            if target.exists():
                raise Refused(f"Two files are named {target.name}; upload each once.")
            with target.open("wb") as out:
                for chunk in f.chunks():
                    out.write(chunk)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def yaml_text(upload) -> str:
    """The text of an uploaded YAML file, or Refused."""
    if not upload.name.lower().endswith((".yaml", ".yml")):
        raise Refused(f"{upload.name} is not a YAML file (.yaml or .yml).")
    if upload.size > MAX_YAML:
        raise Refused(f"{upload.name} is {upload.size:,} bytes; a reform or options file may be at most {MAX_YAML:,}.")
    try:
        return upload.read().decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(f"{upload.name} is not UTF-8 text.") from None


def keep(folder: Path, name: str, text: str) -> str:
    """Write an uploaded or made file into `folder` under a name of its own; its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{secrets.token_hex(6)}-{re.sub(r'[^A-Za-z0-9._-]', '_', name)[-80:]}"
    path.write_text(text, encoding="utf-8")
    return str(path)
