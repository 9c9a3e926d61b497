"""Publishing: send the built site to PUBLISH_URL, uploading only the files whose content changed.

Three kinds of target, one module each: an S3-protocol bucket (office/bucket.py: AWS S3,
Alibaba Cloud OSS, Tencent COS), and a folder on a server over ssh or on this computer
(office/rsync.py). Every target uploads new and changed files before it deletes anything,
so no link breaks while a publish runs, and a publish stopped halfway is finished by the next.

Before any target is touched, every file of the built site is checked for what must never leave
this computer, whatever put it there (a key dropped in content/images/, a symbolic link):
_withheld.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from pelican.settings import read_settings

from core.problems import Problem, ProblemsFound
from office.headers import cache_control, content_type
from office.purge import purge, urls_to_purge

URL_ENV = "PUBLISH_URL"
# Private keys by their usual names (ssh's, TLS's, the office's age key, key stores) and
# environment files; and by what such a file starts with, whatever its name.
_SECRET_NAME = re.compile(r"id_(?:rsa|dsa|ecdsa|ed25519)(?:_sk)?|.*\.(?:pem|key|agekey|p12|pfx|jks|kdbx|ppk)|.*\.env",
                          re.IGNORECASE)  # fmt: skip
_SECRET_TEXT = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|AGE-SECRET-KEY-1")


@dataclass(frozen=True)
class SiteFile:
    """One file of the built site, as it will be served."""

    path: str  # relative, with forward slashes: 'news/x.html'
    size: int
    md5: str  # hex
    content_type: str
    cache_control: str


@dataclass
class Changes:
    """What a target did (or, in a dry run, would do)."""

    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    bytes: int = 0  # the sizes of the files uploaded

    @property
    def uploaded(self) -> list[str]:
        return self.new + self.changed


class Target(Protocol):
    label: str  # how the target is named to people: never a secret

    def check(self) -> None:
        """Raise ProblemsFound for what can be found wrong before the build (tool, folder, credentials)."""

    def send(self, files: dict[str, SiteFile], output: Path, dry_run: bool) -> Changes:
        """Make the target hold exactly `files`: upload new and changed ones, then delete the rest."""


@dataclass
class PublishReport:
    target: str
    changes: Changes
    dry_run: bool
    seconds: float
    purged: int = 0
    purge_problem: Problem | None = None

    def listing(self) -> list[str]:
        """One line per file: + new, ~ changed, - deleted."""
        changes = self.changes
        marked = [("+", p) for p in changes.new] + [("~", p) for p in changes.changed]
        return [f"{mark} {path}" for mark, path in sorted(marked, key=lambda m: m[1])] + [
            f"- {path}" for path in sorted(changes.deleted)
        ]

    def summary(self) -> str:
        c = self.changes
        up, gone, same, size = len(c.uploaded), len(c.deleted), c.unchanged, f"{c.bytes:,}"
        if self.dry_run:
            return (f"试运行，未做改动：将上传 {up} 个文件（{size} 字节），删除 {gone} 个，{same} 个不变 / "
                    f"dry run, nothing changed: would upload {up} files ({size} bytes), delete {gone}, "
                    f"leave {same} unchanged at {self.target}")  # fmt: skip
        seconds = f"{self.seconds:.1f}"
        purged = f"，刷新 CDN {self.purged} 个地址" if self.purged else ""
        purged_en = f", {self.purged} CDN addresses refreshed" if self.purged else ""
        return (f"已发布到 {self.target}：上传 {up} 个文件（{size} 字节），删除 {gone} 个，{same} 个不变{purged}，"
                f"用时 {seconds} 秒 / published: uploaded {up} files ({size} bytes), deleted {gone}, "
                f"unchanged {same}{purged_en}, in {seconds}s")  # fmt: skip


def problem(about: str, zh: str, en: str) -> ProblemsFound:
    """One publishing problem, as the ProblemsFound the task turns into a sentence."""
    return ProblemsFound([Problem(about, zh, en, kind="publish")])


def open_target(environ: Mapping[str, str], root: Path | None = None) -> Target:
    """The target PUBLISH_URL names, checked as far as it can be before the build. A folder
    written without its full path is in root, the repository, from whatever folder one runs in."""
    url = (environ.get(URL_ENV) or "").strip()
    example = "s3://存储桶/前缀、ssh://用户@服务器/网站目录 或本机文件夹 / s3://bucket/prefix, ssh://user@host/folder or a local folder"
    if not url:
        raise problem(URL_ENV, f"没有设置，请设为要发布到的地址：{example.split(' / ')[0]}，见 docs/deploy.md",
                      f"is not set: set it to where the site goes, {example.split(' / ')[1]}; see docs/deploy.md")  # fmt: skip
    parts = urlsplit(url)
    if parts.scheme == "s3":
        from office.bucket import Bucket  # boto3 is loaded only for buckets

        target: Target = Bucket.from_url(url, environ)
    elif parts.scheme in ("ssh", "file") or not parts.scheme:
        from office.rsync import Rsync

        target = Rsync.from_url(url, environ, root)
    else:
        raise problem(URL_ENV, f"“{_safe(url)}”不是可以发布到的地址，请写成 {example.split(' / ')[0]}",
                      f"'{_safe(url)}' is not an address the site can be published to: write {example.split(' / ')[1]}")  # fmt: skip
    target.check()
    return target


def _safe(url: str) -> str:
    """The URL without a password or query that might hold a secret."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port:
        netloc += f":{parts.port}"
    return parts._replace(netloc=netloc, query="", fragment="").geturl() if parts.scheme else url


def site_files(
    output: Path, rules: list[tuple[str, str]], private: set[str] = frozenset()
) -> dict[str, SiteFile]:
    """Every file of the built site with its checksum and the headers it will be served with;
    ProblemsFound naming each file that must not be published (private: the MD5s of the
    office's private files)."""
    files, problems = {}, []
    for file in sorted(output.rglob("*")):
        path = file.relative_to(output).as_posix()
        if file.is_symlink() or not file.is_file():
            if file.is_symlink():
                problems.append(_withheld(output, path, "link"))
            continue
        data = file.read_bytes()
        md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
        if why := _secret(path, data, md5, private):
            problems.append(_withheld(output, path, why))
            continue
        files[path] = SiteFile(path, len(data), md5, content_type(path), cache_control(path, rules))
    if problems:
        raise ProblemsFound(problems)
    return files


def _secret(path: str, data: bytes, md5: str, private: set[str]) -> str | None:
    """Why a file of the built site must not be published, or None."""
    parts = path.split("/")
    if any(part.startswith(".") for part in parts if part != ".well-known"):
        return "hidden"  # .git/, .env, .ssh/: what tools keep beside files, never a page
    if _SECRET_NAME.fullmatch(parts[-1]) or _SECRET_TEXT.search(data[:1024]):
        return "key"
    if data and md5 in private:
        return "private"
    return None


_WITHHELD = {
    "link": ("是符号链接，发布会送出它指向的文件：请换成文件本身", "is a symbolic link, which would publish what it points to: put the file itself there"),
    "hidden": ("是隐藏文件或在隐藏文件夹里，不会发布", "is a hidden file or in a hidden folder, which is never published"),
    "key": ("像是私钥或密钥文件，绝不发布", "looks like a private key or a secrets file, which is never published"),
    "private": ("与 data/private 或 data/inbox 里的私密文件相同，绝不发布",
                "is a copy of a private file of data/private or data/inbox, which is never published"),
}  # fmt: skip


def _withheld(output: Path, path: str, why: str) -> Problem:
    zh, en = _WITHHELD[why]
    return Problem(f"{output.name}/{path}", f"{zh}；请把它从 content/ 中删掉后再发布，网站没有改动",
                   f"{en}; remove it from content/ and publish again; the site was not changed", kind="publish")  # fmt: skip


def private_digests(data_package: Path, folders: list[str]) -> set[str]:
    """The MD5 of every file of the office's private folders (the register, the inbox)."""
    root = data_package.parent
    return {hashlib.md5(file.read_bytes(), usedforsecurity=False).hexdigest()
            for folder in folders for file in (root / folder).rglob("*") if file.is_file()}  # fmt: skip


def publish_site(
    settings_file: str | Path,
    target: Target,
    environ: Mapping[str, str],
    dry_run: bool = False,
    overrides: dict | None = None,
    progress: Callable[[str], None] | None = None,
) -> PublishReport:
    """Send the built output/ of these settings to the target, then refresh the CDN for what changed."""
    started = time.perf_counter()
    settings = read_settings(str(settings_file), override=overrides or {})
    output = Path(settings["OUTPUT_PATH"])
    if not (output / "index.html").is_file():
        raise problem(str(output), "里没有建好的网站（缺 index.html），请先运行 invoke publish 让它建站",
                      "holds no built site (no index.html): run invoke publish, which builds it first")  # fmt: skip
    private = private_digests(Path(settings["DATA_PACKAGE"]), settings.get("PRIVATE_DATA_DIRS") or [])
    files = site_files(
        output, settings.get("PUBLISH_CACHE_CONTROL") or [("*", "public, max-age=300")], private
    )
    changes = target.send(files, output, dry_run)
    report = PublishReport(target.label, changes, dry_run, 0.0)
    if not dry_run:
        urls = urls_to_purge(settings.get("SITEURL") or "", changes.uploaded + changes.deleted)
        try:
            report.purged = purge(urls, environ)
        except ProblemsFound as found:
            report.purge_problem = found.problems[0]
    report.seconds = time.perf_counter() - started
    return report
