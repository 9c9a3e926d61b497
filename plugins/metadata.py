"""The `Key: value` lines at the top of a content file, checked: known keys, values the site reads.

Pelican keeps any key it is given and ignores what nothing reads, so a typo passed unnoticed:
`Stauts: draft` published a draft, `Chpater: chongqing` left a news item off its chapter's page.
Here every key of a Markdown file must be one of METADATA_KEYS (pelicanconf.py), Status and
Featured must hold a value the site acts on, and a body still holding the skeleton `invoke new`
writes is not published. Tags are split at the commas a Chinese keyboard types, too.

The checks look at each item as it is made, not as its file is read: Pelican's reader cache
hands over an unchanged file's metadata without reading it again, so a check made on reading
would pass the mistake at the next build. The file itself is read only to say on which line a
mistake is.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import re
from pathlib import Path

from pelican import readers, signals
from pelican.contents import Content
from pelican.readers import MarkdownReader, default_metadata, parse_path_metadata, path_metadata

from core.problems import Problem, report, source_label
from core.slugs import MAX_LENGTH, pinyin_slug

logger = logging.getLogger(__name__)

# The body office/scaffold.py gives a new file (its PLACEHOLDER; plugins may not import the
# office's code, so tests/plugins/test_metadata.py holds the two equal).
PLACEHOLDER = "在这里写正文。"
# Pelican also knows `hidden` (written, but listed nowhere), which the guide does not offer and
# our sitemap, feeds and search were not written for, and `skip`, which makes Pelican drop the
# file before any plugin sees it: an editor who writes skip gets what a draft gives.
STATUSES = ("draft", "published")
FEATURED = ("yes", "是", "true")
ADDRESS = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # what pinyin_slug makes: a Slug: must read so too
# Pelican separates tags with commas (or semicolons); a Chinese keyboard types these.
TAG_SEPARATORS = ("，", "、")
# A key as Markdown's meta extension reads it; an indented line continues the value above.
_KEY_LINE = re.compile(r"^[ ]{0,3}([A-Za-z0-9_-]+):")
_CONTINUED = re.compile(r"^[ ]{4,}")


def header_keys(text: str) -> dict[str, tuple[int, str]]:
    """The keys of a file's front matter: lower-cased key -> (line, the key as written)."""
    found: dict[str, tuple[int, str]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if number == 1 and line.strip() == "---":
            continue
        key = _KEY_LINE.match(line)
        if key:
            found.setdefault(key.group(1).lower(), (number, key.group(1)))
        elif not _CONTINUED.match(line) or not line.strip():
            break
    return found


def key_line(path: str | Path, key: str) -> int | None:
    """The line of `key` in a file's front matter, if it is there and the file can be read."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    return header_keys(text).get(key.lower(), (None,))[0]


def check_item(label: str, written: dict, body: str, known: list[str]) -> list[Problem]:
    """The problems of one item: `written` holds the keys its file gives (lower-cased, as Pelican
    keeps them) with their values, `body` its text, `known` the keys the site reads."""
    canonical = {key.lower(): key for key in known}
    problems = []
    for key in written:
        if key in canonical:
            continue
        guess = difflib.get_close_matches(key, list(canonical), n=1)
        if guess:
            zh = f"不是本站认识的字段，是不是想写 {canonical[guess[0]]}？请改正，或删掉这一行"
            en = f"is not a key the site knows: did you mean {canonical[guess[0]]}? Correct it, or remove the line"
        else:
            zh = f"不是本站认识的字段（本站认识 {'、'.join(known)}），请改正，或删掉这一行"
            en = f"is not a key the site knows (it knows {', '.join(known)}); correct it, or remove the line"
        problems.append(Problem(label, zh, en, field=key.capitalize(), kind="metadata-key"))
    status = str(written.get("status", "")).strip()
    if "status" in written and status.lower() not in STATUSES:
        problems.append(Problem(label, "只能写 draft（不发布）或 published，或删掉这一行",
                                "Status can only be draft (not published) or published; or remove the line",
                                field="Status", value=status, kind="metadata-value"))  # fmt: skip
    featured = str(written.get("featured", "")).strip()
    if "featured" in written and featured.lower() not in FEATURED:
        problems.append(Problem(label, "要放到首页请写 yes，否则删掉这一行",
                                "write yes to put it on the home page, or remove the line",
                                field="Featured", value=featured, kind="metadata-value"))  # fmt: skip
    slug = str(written.get("slug", "")).strip()
    if "slug" in written and not ADDRESS.fullmatch(slug):
        meant = pinyin_slug(slug, max(MAX_LENGTH, len(slug))) or "chong-qing-nian-hui"
        problems.append(Problem(label, f"网址只能用小写字母、数字和连字符 -，请写成 {meant}",
                                f"an address holds only lowercase letters, digits and hyphens: write {meant}",
                                field="Slug", value=slug, kind="metadata-value"))  # fmt: skip
    if PLACEHOLDER in body and status.lower() != "draft":
        problems.append(Problem(label, f"正文还是模板里的“{PLACEHOLDER}”，请写好正文，或加 Status: draft 暂不发布",
                                f"the body is still the skeleton's {PLACEHOLDER}: write it, or add Status: draft to hold it back",
                                kind="skeleton"))  # fmt: skip
    return problems


def located(problems: list[Problem], text: str) -> list[Problem]:
    """The problems with the line of their key, and the key spelt as the file spells it."""
    keys = header_keys(text)
    return [
        dataclasses.replace(problem, line=keys[key][0], field=keys[key][1])
        if problem.field and (key := problem.field.lower()) in keys
        else problem
        for problem in problems
    ]


def written_metadata(content: Content) -> dict:
    """What the item's file says at its top: its metadata but what Pelican adds from the file's
    path and the settings (the folder as category, the language from news/x.en.md), unless the
    file itself writes it otherwise."""
    settings, full = content.settings, content.source_path
    relative = content.get_relative_source_path()
    added = {
        **default_metadata(settings),
        **path_metadata(full, relative, settings),
        **parse_path_metadata(relative, settings),
    }
    return {
        key: value
        for key, value in content.metadata.items()
        if key != "reader" and not (key in added and str(value) == str(added[key]))
    }


def _check(content: Content) -> None:
    # Only what was read from an editor's Markdown file: data pages made of a row alone have none.
    if "reader" not in content.metadata or not str(content.source_path).endswith(
        tuple(f".{extension}" for extension in MarkdownReader.file_extensions)
    ):
        return
    written = written_metadata(content)
    body = content._content or ""
    label = source_label(content.settings["PATH"], content.source_path)
    problems = check_item(label, written, body, content.settings["METADATA_KEYS"])
    if problems:  # only now is the file read, to name the lines
        text = Path(content.source_path).read_text(encoding="utf-8-sig", errors="replace")
        for problem in located(problems, text):
            report(logger, problem)
        if str(written.get("status", "")).lower() not in ("", *STATUSES):
            content.status = "draft"  # said above; Pelican would say it again, in its own words
    if "featured" in written:
        # A value, not the key's presence, puts a story on the home page (theme/templates/index.html).
        content.featured = str(written["featured"]).strip().lower() in FEATURED


def split_tags(text: str | list, settings: dict):
    """Pelican's tags processor, which also splits at a Chinese comma or 、."""
    if isinstance(text, str):
        for separator in TAG_SEPARATORS:
            text = text.replace(separator, ",")
    return _pelicans_tags(text, settings)


_pelicans_tags = readers.METADATA_PROCESSORS["tags"]


def register() -> None:
    readers.METADATA_PROCESSORS["tags"] = split_tags
    signals.content_object_init.connect(_check)
