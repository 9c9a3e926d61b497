"""Refreshing the CDN for the addresses a publish changed: PUBLISH_PURGE_URL or PUBLISH_PURGE_COMMAND."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

from core.problems import Problem, ProblemsFound

BATCH = 30  # addresses per request: Cloudflare's purge API takes at most 30 on every plan


def urls_to_purge(site_url: str, paths: list[str]) -> list[str]:
    """The public addresses of these files, percent-encoded as a browser asks for them (a '#' or
    a space would otherwise cut or break the address); a folder's index.html is also reached as
    the folder."""
    base = site_url.rstrip("/")
    urls = []
    for path in sorted(paths):
        address = quote(path, safe="/")  # '+' too: S3's website endpoints read it as a space
        urls.append(f"{base}/{address}")
        if path == "index.html" or path.endswith("/index.html"):
            urls.append(f"{base}/{address[: -len('index.html')]}")
    return urls


def purge(urls: list[str], environ: Mapping[str, str]) -> int:
    """Ask the CDN to forget these addresses; the number asked for (0 when no purge is set up)."""
    endpoint = (environ.get("PUBLISH_PURGE_URL") or "").strip()
    command = (environ.get("PUBLISH_PURGE_COMMAND") or "").strip()
    if not urls or not (endpoint or command):
        return 0
    if command:
        _run(command, urls)
    if endpoint:
        for start in range(0, len(urls), BATCH):
            _post(endpoint, urls[start : start + BATCH], environ.get("PUBLISH_PURGE_TOKEN"))
    return len(urls)


def _run(command: str, urls: list[str]) -> None:
    # The operator's own command (aliyun, tccli, aws cloudfront…), the addresses one per line on
    # its standard input. Its output is not shown: it may print keys.
    try:
        result = subprocess.run(command, shell=True, input="\n".join(urls) + "\n", text=True,
                                capture_output=True, timeout=600)  # fmt: skip
        code = result.returncode
    except subprocess.TimeoutExpired:
        code = "timeout"
    if code != 0:
        raise _problem("PUBLISH_PURGE_COMMAND", f"没有成功（退出码 {code}），请手动运行它看原因",
                       f"failed (exit status {code}); run it by hand to see why")  # fmt: skip


def _post(endpoint: str, urls: list[str], token: str | None) -> None:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(endpoint, json.dumps({"files": urls}).encode(), headers, method="POST")
    shown = urlsplit(endpoint)._replace(query="", fragment="").geturl()  # a query may hold a key
    try:
        urllib.request.urlopen(request, timeout=60).close()
    except urllib.error.HTTPError as error:
        raise _problem("PUBLISH_PURGE_URL", f"{shown} 拒绝了刷新请求（HTTP {error.code}），请检查地址和 PUBLISH_PURGE_TOKEN",
                       f"{shown} refused the purge (HTTP {error.code}): check the address and PUBLISH_PURGE_TOKEN") from None  # fmt: skip
    except OSError as error:
        raise _problem("PUBLISH_PURGE_URL", f"无法连接 {shown}，请检查地址和网络",
                       f"could not reach {shown} ({type(error).__name__}): check the address and the network") from None  # fmt: skip


def _problem(setting: str, zh: str, en: str) -> ProblemsFound:
    return ProblemsFound([Problem(setting, f"{zh}；网站已经更新，CDN 可能还会送出旧页面几分钟",
                                  f"{en}; the site was updated, but the CDN may serve old pages for a few minutes",
                                  kind="publish")])  # fmt: skip
