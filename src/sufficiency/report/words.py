"""The reports' words (words.yaml): one glossary, the plain names of the cleaning rules, and
the internal words no reader should meet, with a check of a page's visible text against them.

    internal_words(html)               # banned words found in what a reader sees
    internal_words(html, board=True)   # and names of code or fields of the return
"""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from importlib import resources

from ..yamlfile import read_yaml


@cache
def _words() -> dict:
    return read_yaml(resources.files(__package__).joinpath("words.yaml"))


def glossary() -> dict[str, str]:
    """Term -> a definition for a reader outside the service."""
    return dict(_words()["glossary"])


def cleaning_rule(rule: str) -> str:
    """What a cleaning rule did, in plain words (the rule's name itself if words.yaml lacks it)."""
    return _words()["cleaning"].get(rule, str(rule).replace("_", " "))


class _Text(HTMLParser):
    """Text a reader sees or hears: element text and alt/aria text, not styles or markup."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        for name, value in attrs:
            if name in ("alt", "aria-label", "title") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text of `html` a person reads (SVG chart text included), markup and styles left out."""
    p = _Text()
    p.feed(html)
    return " ".join(" ".join(p.parts).split())


def internal_words(html: str, board: bool = False) -> list[str]:
    """The banned words of words.yaml found in the visible text of `html`, as found; `board`
    also looks for names with underscores, field names and codes of the return."""
    text = visible_text(html)
    found = []
    for word in _words()["banned"]:
        edge = r"\b" if word[:1].isalnum() else ""
        tail = r"\b" if word[-1:].isalnum() else ""
        found += re.findall(edge + re.escape(word) + tail, text, flags=re.IGNORECASE)
    if board:
        for pattern in _words()["board_patterns"]:
            found += re.findall(pattern, text)
    return found
