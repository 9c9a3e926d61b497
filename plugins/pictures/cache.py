"""Copies of photos and drawn share cards, kept between builds (cache/pictures/) and found by content.

An entry is a folder named by what it was made from: a photo's digest (of its bytes) and the
recipe, a card's text and looks. So a renamed or moved photo is found again, an edited one is
made anew, and nothing is ever made twice. Finding a photo's digest would mean reading every
photo at every build: sources.json remembers each file's digest with its size and modification
time, as git's index does, so an unchanged file costs one stat(). Entries are made whole
(core/entries.py) and reach output/ as hard links: no bytes are copied.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from core.files import write_whole
from core.manifest import active
from plugins.pictures.photos import file_digest


def key_of(*parts: str) -> str:
    """A name for what the parts describe, in lowercase letters and the digits 2-7 (base32).

    Published file names carry it; hexadecimal could hold a run of eleven digits starting
    with 1, which the personal-data guard rightly reads as a mobile number.
    """
    digest = hashlib.blake2b("\n".join(parts).encode(), digest_size=15).digest()
    # base64.b32encode(digest).decode().lower(), 5x faster: Python 3.11's is written in Python,
    # and a site of 5,000 pages names 5,000 cards at every build. 15 bytes are 24 letters.
    number = int.from_bytes(digest)
    return "".join(_BASE32[(number >> shift) & 31] for shift in range(115, -1, -5))


_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


class Store:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._sources_file = root / "sources.json"
        try:
            self._sources: dict[str, list] = json.loads(self._sources_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self._sources = {}
        self._changed = False

    def digest(self, path: Path) -> str:
        """The digest of a file's bytes, read again only when its size or time changed."""
        stat = path.stat()
        key = str(path.resolve())
        known = self._sources.get(key)
        if known and known[0] == stat.st_size and known[1] == stat.st_mtime_ns:
            return known[2]
        digest = file_digest(path)
        self._sources[key] = [stat.st_size, stat.st_mtime_ns, digest]
        self._changed = True
        return digest

    def folder(self, kind: str, key: str) -> Path:
        return Path(self.place(kind, key))

    def place(self, kind: str, key: str) -> str:
        """folder(), as a string: callers that name thousands of entries."""
        return f"{self.root}/{kind}/{key[:2]}/{key}"

    def save(self) -> None:
        """Keep the digests for the next build (written whole, then renamed), of the photos that
        still exist: every test's and benchmark's folder of photos used to stay in it for good."""
        if self._changed:
            self._sources = {path: known for path, known in self._sources.items() if os.path.exists(path)}
            self.root.mkdir(parents=True, exist_ok=True)
            write_whole(self._sources_file, json.dumps(self._sources).encode())
            self._changed = False


def publish(source: Path, target: Path, folders: set[Path] | None = None) -> None:
    """Put a cached file into the output as a hard link, or a copy where links cannot go.

    `folders` remembers the output folders made so far, for callers that publish thousands.
    A build that keeps what has not changed (core/manifest.py) keeps the very same file where
    it is already published.
    """
    manifest = active()
    if manifest is not None and manifest.published_as(target, source):
        return
    if folders is None or target.parent not in folders:
        target.parent.mkdir(parents=True, exist_ok=True)
        if folders is not None:
            folders.add(target.parent)
    try:
        os.link(source, target)
    except FileExistsError:
        pass  # the same file, asked for twice
    except OSError:
        shutil.copyfile(source, target)
