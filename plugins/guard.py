"""The last check of a build: no personal data in what is about to be published.

It reads every text file written for the site and stops the build if it finds a private
value from the office's own files (the register and decision log in data/private/, the form
inbox in data/inbox/), or anything shaped like a mainland mobile number or an e-mail address
that is not one of the office's public contacts, also where the file hides it from a plain
search (entities, invisible or full-width characters, tags inside it) but the page shows it.
Problems show the value masked, since build logs may be read by more people than the register.
"""

from __future__ import annotations

import html
import os
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from ahocorasick_rs import BytesAhoCorasick
from pelican import signals

from core import tables
from core.definitions import load_forms
from core.manifest import active, digest
from core.problems import Problem, ProblemsFound
from core.values import EMAIL_IN_TEXT, mobiles_in

# Over bytes: a build may write thousands of pages, and most hold no "@".
_EMAIL_BYTES = re.compile(EMAIL_IN_TEXT.pattern.encode())
TEXT_FILES = {".html", ".xml", ".txt", ".csv", ".json", ".js", ".css", ".svg", ".ics"}
SHORTEST = 6  # shorter private values (a gender, a year) would match innocent text
# The search index holds text from the pages checked here, and is still being written meanwhile.
DERIVED = {"pagefind"}
# A number or an address a page shows, written so that the file does not hold it as such:
# characters as entities (&#49; &#64;), invisible ones between its parts (&#8203;, U+200B,
# soft hyphens), full-width characters (１３９, ＠), or tags inside it (139<b>1234</b>5678).
_INLINE = (
    "a|abbr|b|bdi|bdo|cite|code|data|dfn|em|i|kbd|mark|q|s|samp|small|span|strong|sub|sup|time|u|var|wbr"
)
_TAG_IN = rb"/?(?:" + _INLINE.encode() + rb")\b[^>]*>[ .-]?"
# Each starts with a literal byte, which the regular expression engine finds fast: one pattern
# of them all took ten times as long as the search for mobiles, on every page of every build.
_HIDING = tuple(
    re.compile(pattern)
    for pattern in (
        rb"&(?!amp;|lt;|gt;|quot;|#3[49];)#?[0-9A-Za-z]+;",  # entities Jinja's escaping does not write
        rb"\xe2(?:\x80[\x8b-\x8f\xaa-\xae]|\x81[\xa0-\xa4\xa6-\xa9])",  # zero-width, direction marks
        rb"\xc2\xad",  # soft hyphen
        rb"\xef(?:\xbb\xbf|\xbc[\x90-\x99\xa0])",  # byte order mark, full-width digits and @
        rb"<(?:(?<=[0-9@]<)|(?<=[0-9@][ .-]<))" + _TAG_IN + rb"[0-9A-Za-z@.]",  # a tag after a digit or @
        rb"<(?:(?<=[0-9A-Za-z@.]<)|(?<=[0-9A-Za-z@.][ .-]<))" + _TAG_IN + rb"[0-9@]",  # or before one
    )
)
# A private value made only of digits and separators (a birth date, a postcode) is found as a
# number of its own on a page, never inside a longer one: postcode 200000 is not in 1200000.00.
_NUMERIC = re.compile(r"[0-9][0-9./-]*[0-9]")
_NUMBER = re.compile(rb"[0-9][0-9./-]*")
_INLINE_TAG = re.compile(rf"</?(?:{_INLINE})\b[^>]*>")
_INLINE_TAG_BYTES = re.compile(_INLINE_TAG.pattern.encode())
_TAG = re.compile(r"<[^>]*>")
_FORMAT = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def shown(data: bytes) -> bytes | None:
    """The text of a page as a reader sees it, where the file may hide a value from the plain
    search (_HIDING); None where it cannot."""
    if not any(pattern.search(data) for pattern in _HIDING):
        return None
    text = _TAG.sub(" ", _INLINE_TAG.sub("", data.decode("utf-8", "replace")))
    return unicodedata.normalize("NFKC", _FORMAT.sub("", html.unescape(text))).encode()


def mask(value: str) -> str:
    """Enough to recognise the value, not enough to use it: 139****1111, w***@example.com."""
    if "@" in value:
        name, _, domain = value.partition("@")
        return f"{name[:1]}***@{domain}"
    return value[:3] + "*" * max(1, len(value) - 7) + value[-4:] if len(value) > 7 else value[:2] + "***"


def private_values(folders: Iterable[Path], private_fields: set[str]) -> dict[str, str]:
    """Private values from every CSV file in the folders: value -> where it came from."""
    found: dict[str, str] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*.csv")) if folder.exists() else []:
            label = f"{path.parent.name}/{path.name}"
            for row in tables.read_records(path, label):
                for name, value in row.items():
                    value = value.strip()
                    if name in private_fields and len(value) >= SHORTEST:
                        found.setdefault(value, f"{label} {name}")
    return found


def leaks(output: Path, private: dict[str, str], public_contacts: list[str],
          kept: dict[str, Path] | None = None) -> list[Problem]:  # fmt: skip
    """One problem per leaked value, naming the page that holds it (and how many others do):
    in the files written to `output`, and in `kept` (the published files of an earlier build
    that this one keeps, by their names in the output)."""
    # Mobiles and e-mails are found by their shape; numbers as numbers; the rest as they are,
    # all at once (Aho-Corasick: a register's 70,000 values, one by one, took 37 s a build).
    free_text = [v for v in private if mobiles_in(v.encode()) != {v} and not EMAIL_IN_TEXT.fullmatch(v)]
    private_numbers = {v.encode() for v in free_text if _NUMERIC.fullmatch(v)}
    words = [v.encode() for v in free_text if not _NUMERIC.fullmatch(v)]
    search = BytesAhoCorasick(words) if words else None
    found: dict[tuple[str, str], list[str]] = {}  # (kind, value) -> files
    checked = {path.relative_to(output).as_posix(): path for path in _text_files(output)}
    checked.update((name, path) for name, path in (kept or {}).items() if _is_text(name))
    for name, path in sorted(checked.items()):
        data = path.read_bytes()
        hits = set()
        for text in (data, shown(data)):
            if text is None:
                continue
            numbers = mobiles_in(text)
            addresses = {a.decode() for a in _EMAIL_BYTES.findall(text)} if b"@" in text else set()
            hits.update(("mobile", n) for n in numbers if n not in public_contacts)
            hits.update(("email", a) for a in addresses if not _public(a, public_contacts))
            if private_numbers:
                shown_numbers = {n.rstrip(b"./-") for n in _NUMBER.findall(text)}
                hits.update(("private", n.decode()) for n in shown_numbers & private_numbers)
            if search is not None:
                # Also without inline tags: an address split by them (重庆市<b>渝中区</b>…) is
                # whole on the page.
                for searched in (text, _INLINE_TAG_BYTES.sub(b"", text) if b"<" in text else b""):
                    matches = search.find_matches_as_indexes(searched, overlapping=True)
                    hits.update(("private", words[i].decode()) for i, _, _ in matches)
        for hit in hits:
            found.setdefault(hit, []).append(f"output/{name}")
    return [_leak(kind, value, private.get(value), files) for (kind, value), files in sorted(found.items())]


def _text_files(output: Path) -> list[Path]:
    found = []
    for folder, subfolders, files in os.walk(output):
        if folder == str(output):
            subfolders[:] = [name for name in subfolders if name not in DERIVED]
        found += [Path(folder, name) for name in files if os.path.splitext(name)[1] in TEXT_FILES]
    return sorted(found)


def _is_text(name: str) -> bool:
    return name.split("/", 1)[0] not in DERIVED and os.path.splitext(name)[1] in TEXT_FILES


def _public(address: str, public_contacts: list[str]) -> bool:
    return any(address == c or (c.startswith("@") and address.endswith(c)) for c in public_contacts)


def _page_first(where: str) -> tuple[bool, str]:
    """The item's own page before the lists and feeds that repeat it."""
    return (where.endswith("index.html") or where.startswith("output/feeds/"), where)


_WHAT = {
    "mobile": ("手机号码", "a mobile number"),
    "email": ("电子邮箱", "an e-mail address"),
    "private": ("个人信息", "personal data"),
}


def _leak(kind: str, value: str, source: str | None, files: list[str]) -> Problem:
    files = sorted(files, key=_page_first)
    what_zh, what_en = _WHAT[kind]
    origin_zh, origin_en = (f"（来自 {source}）", f" from {source}") if source else ("", "")
    others_zh, others_en = (
        (f"（另有 {len(files) - 1} 个页面）", f" (and {len(files) - 1} other pages)")
        if len(files) > 1
        else ("", "")
    )
    return Problem(
        files[0],
        f"含有{what_zh}{origin_zh}{others_zh}，不能公开发布；请从内容或数据中删除，如是公开的办公联系方式，请加入 PUBLIC_CONTACTS",
        f"holds {what_en}{origin_en}{others_en}, which must not be published; remove it, or add an office contact to PUBLIC_CONTACTS",
        field=source.split(" ")[-1] if source else None,
        value=mask(value),
        kind="personal-data",
    )


def _guard(pelican) -> None:
    settings = pelican.settings
    try:
        forms = load_forms(Path(settings["FORMS_DIR"]))
    except ProblemsFound:
        return  # already reported by the form pages; this build will not be published

    private_fields = {f.name for form in forms.values() for f in form.fields if f.private}
    root = Path(settings["DATA_PACKAGE"]).parent
    private = private_values([root / folder for folder in settings["PRIVATE_DATA_DIRS"]], private_fields)
    problems = leaks(Path(pelican.output_path), private, settings["PUBLIC_CONTACTS"], _kept_to_check(private))
    if problems:
        raise ProblemsFound(problems)


def _kept_to_check(private: dict[str, str]) -> dict[str, Path]:
    """The files this build keeps from the last (core/manifest.py), if the last build's guard
    checked them against other private values than these (the register or the inbox changed):
    checked again rather than drawn again."""
    manifest = active()
    if manifest is None:
        return {}
    checked, manifest.guarded = manifest.guarded, digest(*sorted(private))
    if checked == manifest.guarded:
        return {}
    return {name: manifest.output / name for name in sorted(manifest.kept)}


def register() -> None:
    signals.finalized.connect(_guard)
