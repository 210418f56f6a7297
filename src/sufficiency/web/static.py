"""The static files (the admin pages' styles and scripts) served beside the application.

`serve` collects them into one folder (`collectstatic` into STATIC_ROOT, in the data folder)
and wraps the application in `StaticFiles`, which answers GET and HEAD for a file of that
folder under the static address and passes every other request to Django. Django's own
static view is for development only and WhiteNoise would be one more package for a few dozen
files; this is the small part of either that is needed: a fixed folder, no listing, no path
outside it, and a short cache lifetime (the file names carry no hash of their content).
"""

from __future__ import annotations

import mimetypes
from email.utils import formatdate
from pathlib import Path

MAX_AGE = 3600  # seconds a browser may keep a static file


class StaticFiles:
    """A WSGI application: files of `root` at `prefix` (such as /static/), else `app`."""

    def __init__(self, app, root: str | Path, prefix: str):
        self.app, self.root, self.prefix = app, Path(root).resolve(), "/" + prefix.strip("/") + "/"

    def file(self, path: str) -> Path | None:
        """The file of the folder that `path` (the request's path) names, or None."""
        if not path.startswith(self.prefix):
            return None
        try:
            target = (self.root / path[len(self.prefix):]).resolve()
            return target if target.is_relative_to(self.root) and target.is_file() else None
        except (OSError, ValueError):  # a name the file system cannot hold, such as one with a NUL
            return None

    def __call__(self, environ, start_response):
        if not environ.get("PATH_INFO", "").startswith(self.prefix):
            return self.app(environ, start_response)
        target = self.file(environ["PATH_INFO"])
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Allow", "GET, HEAD"), ("Content-Length", "0")])
            return [b""]
        if target is None:
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8"),
                                             ("Content-Length", "9")])
            return [b"Not found"]
        kind, encoding = mimetypes.guess_type(target.name)  # a packed file (.gz) goes as it is
        stat = target.stat()
        headers = [("Content-Type", kind if kind and not encoding else "application/octet-stream"),
                   ("Content-Length", str(stat.st_size)),
                   ("Cache-Control", f"public, max-age={MAX_AGE}"), ("X-Content-Type-Options", "nosniff"),
                   ("Last-Modified", formatdate(stat.st_mtime, usegmt=True))]
        start_response("200 OK", headers)
        if environ["REQUEST_METHOD"] == "HEAD":
            return [b""]
        wrapper = environ.get("wsgi.file_wrapper")
        return wrapper(target.open("rb")) if wrapper else _chunks(target)


def _chunks(path: Path):
    with path.open("rb") as handle:
        yield from iter(lambda: handle.read(65536), b"")
