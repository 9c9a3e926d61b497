"""Slugs worked out once are kept for the next build: an edit does not load pypinyin again."""

import json
import shutil
import subprocess
import sys

from tests.support import BUILD_DATE, ROOT

BUILD = """
import json, sys
from office.build import build_site
build_site("pelicanconf.py", json.loads(sys.argv[1]))
print(json.dumps(sorted(m for m in sys.modules if m.startswith("pypinyin"))))
"""


def test_a_build_after_a_body_edit_slugs_nothing_again(tmp_path):
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("private", "inbox"))
    overrides = {"PATH": str(tmp_path / "content"), "DATA_PACKAGE": str(tmp_path / "data/datapackage.yaml"),
                 "OUTPUT_PATH": str(tmp_path / "output"), "BUILD_DATE": BUILD_DATE, "SEARCH_INDEX": False}  # fmt: skip

    def build() -> list[str]:
        done = subprocess.run([sys.executable, "-c", BUILD, json.dumps(overrides)], cwd=ROOT, check=True,
                              capture_output=True, text=True)  # fmt: skip
        return json.loads(done.stdout.strip().splitlines()[-1])

    assert build()  # the first build slugs every title, tag and photo
    before = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "output").rglob("*.html"))
    story = tmp_path / "content/news/alumni-forum-2026.md"
    story.write_text(story.read_text(encoding="utf-8") + "\n又加了一句。\n", encoding="utf-8")
    assert build() == []
    assert sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "output").rglob("*.html")) == before
