"""The council's pseudonym key: the secret behind every pseudonym in its shares.

The key is 32 random bytes written (as hex) to a file beside the council's store the first time
it shares (`la.duckdb` -> `la.share-key`), readable by its owner only (permissions 0600), and
read again for every later share, so a child keeps the same pseudonym year after year. It never
goes into a share: the region sees only `key_check`, a keyed hash of a fixed phrase that tells
two keys apart and says nothing about either. A council may keep the key elsewhere and name
the file (`--key`); losing it means the next share's pseudonyms match none of the earlier ones.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

import pandas as pd

from ..errors import InputError

KEY_BYTES = 32
PSEUDONYM_HEX = 24  # 96 bits: no two children of a council share a pseudonym in practice
CHECK_PHRASE = b"sufficiency share key check"


def key_path(db: str | Path) -> Path:
    """Where the key of the store `db` is kept by default."""
    return Path(db).with_suffix(".share-key")


def council_key(path: str | Path, create: bool = True) -> bytes:
    """The key in the file at `path`, made (and written with permissions 0600) when there is none
    and `create` is true."""
    path = Path(path)
    if not path.exists():
        if not create:
            raise InputError(f"The pseudonym key {path} does not exist: give the file the council's earlier "
                             "shares were made with (a share made without --key makes one beside the store).")
        write_key(path, secrets.token_bytes(KEY_BYTES))
    if os.name == "posix" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InputError(f"The pseudonym key {path} can be read by other users; make it private "
                         f"(`chmod 600 {path}`) and share again.")
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (ValueError, UnicodeDecodeError):
        raise InputError(f"The pseudonym key {path} is not a key: it must hold {KEY_BYTES * 2} hexadecimal "
                         "characters (delete it to make a new one, or give the key file you share with).") from None
    if len(key) < KEY_BYTES:
        raise InputError(f"The pseudonym key {path} is too short: it must hold {KEY_BYTES * 2} hexadecimal characters.")
    return key


def write_key(path: str | Path, key: bytes) -> None:
    """`key` written (as hex) to a new file at `path` that only its owner can read."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex() + "\n")


def pseudonyms(ids: pd.Series, key: bytes) -> pd.Series:
    """Each child identifier replaced by its keyed hash (HMAC-SHA256, first 96 bits as hex);
    blanks stay blank."""
    unique = ids.dropna().astype(str).str.strip().unique()
    table = {i: hmac.new(key, i.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX] for i in unique}
    return ids.map(lambda v: None if pd.isna(v) else table[str(v).strip()]).astype(object)


def key_check(key: bytes) -> str:
    """A keyed hash of a fixed phrase: equal for equal keys, and no help in finding the key."""
    return hmac.new(key, CHECK_PHRASE, hashlib.sha256).hexdigest()[:16]
