"""Cache entries: folders under cache/ named by what they were made from, made whole or not at all.

An entry is made in a temporary folder beside its place and renamed into place with its list
(entry.json) written last, so a build stopped halfway leaves nothing half made, and two builds
making the same entry at once both end with one whole entry. Share cards, photo copies
(plugins/pictures/) and parts of the search index (plugins/search.py) are kept this way.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

MANIFEST = "entry.json"


def read_entry(folder: Path) -> dict | None:
    """What an entry holds, or None if it was never made (or not finished)."""
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def make_entry(folder: Path, make: Callable[[Path], dict]) -> dict:
    """Make an entry: `make` writes its files into a fresh folder and says what they are."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        manifest = make(scratch)
        (scratch / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
        try:
            os.rename(scratch, folder)
        except OSError:  # made meanwhile by another build (theirs is as good), or left broken
            if read_entry(folder) is None:
                shutil.rmtree(folder, ignore_errors=True)
                os.rename(scratch, folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return manifest
