"""Full-text search with no server: Pagefind indexes the written site, per language.

The extended Pagefind build (pagefind[extended] on PyPI) segments Chinese into words, so 返校
finds 返校日. Pages are indexed by their `<html lang>`, so each edition searches only its own
pages; only the parts of pages marked data-pagefind-body (articles, pages, data pages) are
indexed, not lists and menus that repeat the same words on every page.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from pagefind_bin_extended import get_executable
from pelican import signals

from forms.problems import Problem, ProblemsFound


def index_site(output: Path) -> None:
    """Write output/pagefind/: the index and the search UI's script and styles."""
    done = subprocess.run(
        [str(get_executable()), "--site", str(output), "--quiet"], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise ProblemsFound(
            [
                Problem(
                    "pagefind",
                    f"搜索索引未能生成：{done.stderr.strip()}",
                    f"could not index the site: {done.stderr.strip()}",
                )
            ]
        )


def _finalized(pelican) -> None:
    if pelican.settings.get("SEARCH_INDEX", True):
        index_site(Path(pelican.output_path))


def register() -> None:
    signals.finalized.connect(_finalized)
