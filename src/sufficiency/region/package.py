"""The share file: a zip of one Parquet part per table, `manifest.json` and `manifest.sha256`.

    manifest.json   format, format_version, council {code, name}, region, agreement {version,
                    uses}, years, made_at, sufficiency version, key_check, and for each table:
                    file, rows, columns, sha256 (of the part's bytes)
    manifest.sha256 the SHA-256 of manifest.json's bytes

`read_share` checks everything before returning any table: that the file is a zip, holds a
manifest of this format whose checksum matches, and that every part is there with the
checksum, row count and columns the manifest gives. A truncated, altered or foreign file is
refused with a sentence (ShareError). The checksums find damage in transit or storage; who
sent the file is established by the channel it came through (the agreement's secure transfer).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InputError

FORMAT = "sufficiency-share"
FORMAT_VERSION = 1
MANIFEST, CHECKSUM = "manifest.json", "manifest.sha256"


class ShareError(InputError):
    """A file offered as a share cannot be used; nothing was imported from it."""


@dataclass
class Share:
    path: Path
    manifest: dict
    tables: dict[str, pd.DataFrame]
    sha256: str  # of the whole file: which share this is

    @property
    def council(self) -> str:
        return self.manifest["council"]["code"]

    @property
    def council_name(self) -> str:
        return self.manifest["council"]["name"]


def _part(frame: pd.DataFrame) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buf, compression="zstd")
    return buf.getvalue()


def write_share(path: str | Path, tables: dict[str, pd.DataFrame], manifest: dict) -> Path:
    """Write the share at `path` (through a temporary file, so a failure leaves no half share)."""
    path = Path(path)
    parts = {name: _part(frame) for name, frame in tables.items()}
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, **manifest, "tables": {
        name: {"file": f"{name}.parquet", "rows": len(tables[name]), "columns": [str(c) for c in tables[name].columns],
               "sha256": hashlib.sha256(data).hexdigest()} for name, data in parts.items()}}
    text = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.writing")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as z:
            z.writestr(MANIFEST, text)
            z.writestr(CHECKSUM, hashlib.sha256(text).hexdigest() + "\n")
            for name, data in parts.items():
                z.writestr(f"{name}.parquet", data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def read_share(path: str | Path) -> Share:
    """The share at `path`, every checksum verified (ShareError if anything does not match)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ShareError(f"{path} cannot be read: {exc.strerror or exc}.") from None
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            manifest = _manifest(z, path)
            tables = {name: _table(z, path, name, spec) for name, spec in manifest["tables"].items()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise ShareError(f"{path} is not a share, or is damaged or cut short ({exc}); ask the council to send it again.") from None
    return Share(path, manifest, tables, hashlib.sha256(raw).hexdigest())


def _manifest(z: zipfile.ZipFile, path: Path) -> dict:
    names = set(z.namelist())
    if MANIFEST not in names or CHECKSUM not in names:
        raise ShareError(f"{path} is not a share made by `sufficiency share` (it has no {MANIFEST}).")
    text = z.read(MANIFEST)
    if hashlib.sha256(text).hexdigest() != z.read(CHECKSUM).decode("ascii", "replace").strip():
        raise ShareError(f"{path}: its manifest does not match its checksum: the file was altered or damaged; "
                         "ask the council to send it again.")
    try:
        manifest = json.loads(text)
    except ValueError:
        raise ShareError(f"{path}: its manifest is not valid JSON.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ShareError(f"{path} is not a share made by `sufficiency share`.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ShareError(f"{path} is a share of format version {manifest.get('format_version')!r}; this version "
                         f"of sufficiency reads version {FORMAT_VERSION}: use the same version as the council.")
    for key in ("council", "region", "agreement", "tables", "key_check"):
        if key not in manifest:
            raise ShareError(f"{path}: its manifest has no {key!r}.")
    parts = manifest["tables"].values() if isinstance(manifest["tables"], dict) else [None]
    shapes = [(manifest["council"], ("code", "name")), (manifest["agreement"], ("version", "uses")),
              *[(spec, ("file", "rows", "columns", "sha256")) for spec in parts]]
    if any(not isinstance(d, dict) or set(keys) - set(d) for d, keys in shapes):
        raise ShareError(f"{path}: its manifest is not one `sufficiency share` writes.")
    return manifest


def _table(z: zipfile.ZipFile, path: Path, name: str, spec: dict) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if spec["file"] not in z.namelist():
        raise ShareError(f"{path} lacks the part {spec['file']} its manifest lists.")
    data = z.read(spec["file"])
    if hashlib.sha256(data).hexdigest() != spec["sha256"]:
        raise ShareError(f"{path}: the part {spec['file']} does not match its checksum in the manifest: "
                         "the file was altered or damaged; ask the council to send it again.")
    try:
        frame = pq.read_table(io.BytesIO(data)).to_pandas()
    except (pa.ArrowException, OSError) as exc:
        raise ShareError(f"{path}: the part {spec['file']} cannot be read ({exc}).") from None
    if len(frame) != spec["rows"] or list(frame.columns) != spec["columns"]:
        raise ShareError(f"{path}: the part {spec['file']} does not hold the rows and columns its manifest gives.")
    return frame
