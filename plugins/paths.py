"""Each item's source path relative to the content folder, worked out once per file.

Pelican works it out again every time it forms an item's address (url, save_as), and an item's
address is asked for by every list it is in: 25,000 times in a build after one edit at
N=5,000, a tenth of that build, in os.path.relpath and abspath. For absolute paths (Pelican's
settings make PATH absolute, and items' source paths are) the answer is a function of the two
strings alone, so it is kept; anything else is Pelican's own method. Pelican's result stays the
oracle in tests/plugins/test_paths.py.
"""

from __future__ import annotations

import functools
import os

from pelican.contents import Content
from pelican.utils import posixize_path

_pelicans = Content.get_relative_source_path


def get_relative_source_path(self: Content, source_path: str | None = None) -> str | None:
    path, base = source_path or self.source_path, self.settings["PATH"]
    if path is None or not (os.path.isabs(path) and os.path.isabs(base)):
        return _pelicans(self, source_path)
    return _relative(base, path)


@functools.cache
def _relative(base: str, path: str) -> str:
    return posixize_path(os.path.relpath(os.path.abspath(path), os.path.abspath(base)))


def register() -> None:
    Content.get_relative_source_path = get_relative_source_path
