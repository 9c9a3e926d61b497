"""What every target shares: the address, the headers, the CDN refresh, and what `invoke publish` says."""

from __future__ import annotations

import functools
import http.server
import json
import os
import subprocess
import sys
import threading
import urllib.request

import pytest
from pelican.settings import read_settings
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from core.problems import ProblemsFound
from office.headers import cache_control, content_type
from office.publishing import open_target, publish_site
from tests.office.conftest import EDITED, publish
from tests.support import ROOT

TOKEN = "purge-token-51c0-do-not-log"


def run_invoke(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Only what an office would set: no AWS credentials of this machine, no metadata service.
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PUBLISH_"))}
    clean.update(AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent")  # fmt: skip
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**clean, **env}, timeout=120)  # fmt: skip


def test_without_publish_url_invoke_says_what_to_set():
    result = run_invoke("publish")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "PUBLISH_URL: 没有设置，请设为要发布到的地址" in result.stderr
    assert "is not set: set it to where the site goes" in result.stderr


def test_missing_credentials_are_named_before_the_build():
    result = run_invoke("publish", PUBLISH_URL="s3://alumni-site/www", PUBLISH_PURGE_TOKEN=TOKEN)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "没有找到访问密钥，请设置 AWS_ACCESS_KEY_ID 和 AWS_SECRET_ACCESS_KEY" in result.stderr
    assert "已生成" not in result.stdout  # nothing was built for nothing
    assert TOKEN not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("ftp://files.example.edu.cn/site", "“ftp://files.example.edu.cn/site”不是可以发布到的地址"),
        ("s3://Alumni_Site/www", "里的存储桶名不对"),
        ("ssh://deploy:hunter2@www.example.edu.cn/srv/alumni", "不要把密码写进地址"),
    ],
)
def test_a_wrong_address_is_one_sentence(url, says):
    with pytest.raises(ProblemsFound) as found:
        open_target({"PUBLISH_URL": url})
    [problem] = found.value.problems
    assert says in problem.sentence() and "hunter2" not in problem.sentence()


TYPES = {
    "index.html": "text/html; charset=utf-8",
    "feeds/all.atom.xml": "application/atom+xml; charset=utf-8",
    "sitemap.xml": "application/xml; charset=utf-8",
    "theme/css/site.css": "text/css; charset=utf-8",
    "theme/js/forms.js": "text/javascript; charset=utf-8",
    "pagefind/pagefind-entry.json": "application/json; charset=utf-8",
    "robots.txt": "text/plain; charset=utf-8",
    "projects/x/figures.csv": "text/csv; charset=utf-8",
    "theme/favicon.svg": "image/svg+xml; charset=utf-8",
    "images/a.JPG": "image/jpeg",
    "images/a.webp": "image/webp",
    "pagefind/fragment/zh-cn_1.pf_fragment": "application/octet-stream",
    "pagefind/wasm.en.pagefind": "application/octet-stream",
    "README": "application/octet-stream",
    "events/homecoming-2026/event.ics": "text/calendar; charset=utf-8",
    "theme/fonts/a.woff2": "font/woff2",
    "theme/fonts/a.woff": "font/woff",
    "images/a.avif": "image/avif",
    "theme/a.wasm": "application/wasm",
    "docs/report.pdf": "application/pdf",
    "docs/agenda.docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pagefind/pagefind.en_8456463dd7.pf_meta": "application/octet-stream",
    "pagefind/index/en_3afbe46.pf_index": "application/octet-stream",
    "sitemap.xml.gz": "application/gzip",
}


def test_every_file_says_its_type_and_charset():
    assert {path: content_type(path) for path in TYPES} == TYPES


def test_the_types_do_not_depend_on_the_machine(tmp_path):
    """CI's slim container has no /etc/mime.types, an editor's laptop has its own: both publish
    the same headers, or each publish from the other would send those files again."""
    (tmp_path / "mime.types").write_text(
        "application/x-pdf pdf\nfont/x-woff woff\napplication/x-other docx wasm\n"
    )
    for table in ([], [str(tmp_path / "mime.types")]):
        code = (f"import json, mimetypes; mimetypes.knownfiles[:] = {table!r}; from office.headers import content_type; "
                f"print(json.dumps({{p: content_type(p) for p in {list(TYPES)!r}}}))")  # fmt: skip
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert json.loads(result.stdout) == TYPES, result.stderr


CACHE = {
    "news/x.html": "public, max-age=300",
    "feeds/all.atom.xml": "public, max-age=300",
    "pagefind/pagefind-entry.json": "public, max-age=300",
    "pagefind/index/en_3afbe46.pf_index": "public, max-age=31536000, immutable",
    "pagefind/pagefind.en_8456463dd7.pf_meta": "public, max-age=31536000, immutable",
    "pagefind/parts.json": "public, max-age=300",
    "pagefind/zh-cn-1/pagefind-entry.json": "public, max-age=300",
    "pagefind/zh-cn-1/fragment/zh-cn_2d1b.pf_fragment": "public, max-age=31536000, immutable",
    "pagefind/zh-cn-1/index/zh-cn_9a0c.pf_index": "public, max-age=31536000, immutable",
    "pagefind/zh-cn-1/pagefind.zh-cn_77f3.pf_meta": "public, max-age=31536000, immutable",
    "images/campus.jpg": "public, max-age=2592000",
    "theme/css/site.css": "public, max-age=3600",
}


def test_pages_are_kept_briefly_and_fingerprinted_files_for_a_year():
    rules = read_settings(str(ROOT / "publishconf.py"))["PUBLISH_CACHE_CONTROL"]
    assert {path: cache_control(path, rules) for path in CACHE} == CACHE


@pytest.fixture
def cdn():
    """A CDN's purge API on 127.0.0.1: records what it is asked to forget; answers 403 to a wrong token."""
    received: list[tuple[str | None, list[str]]] = []

    @Request.application
    def answer(request: Request) -> Response:
        received.append((request.headers.get("Authorization"), json.loads(request.get_data())["files"]))
        ok = request.headers.get("Authorization") == f"Bearer {TOKEN}"
        return Response(
            '{"success": true}' if ok else "{}", 200 if ok else 403, content_type="application/json"
        )

    server = make_server("127.0.0.1", 0, answer, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}/purge?key=k-in-query", received
    server.shutdown()
    thread.join(timeout=10)


def test_the_cdn_forgets_the_addresses_that_changed(versions, tmp_path, cdn):
    url, received = cdn
    folder = tmp_path / "srv/alumni"
    publish(versions.old, {"PUBLISH_URL": str(folder)})
    environ = {"PUBLISH_URL": str(folder), "PUBLISH_PURGE_URL": url, "PUBLISH_PURGE_TOKEN": TOKEN}
    report = publish(versions.edited, environ)
    asked = [address for _, batch in received for address in batch]
    assert f"https://alumni.example.org/{EDITED}" in asked
    assert report.purged == len(asked) and all(len(batch) <= 30 for _, batch in received)
    assert {token for token, _ in received} == {f"Bearer {TOKEN}"}
    assert report.summary().endswith(f"unchanged {report.changes.unchanged}, {len(asked)} CDN addresses refreshed, in {report.seconds:.1f}s")  # fmt: skip


def test_a_folder_page_is_forgotten_by_its_folder_address_too(versions, tmp_path):
    folder, record = tmp_path / "srv/alumni", tmp_path / "purged.txt"
    publish(versions.edited, {"PUBLISH_URL": str(folder)})
    command = f"{sys.executable} -c \"import sys; open({str(record)!r}, 'w').write(sys.stdin.read())\""
    publish(versions.pruned, {"PUBLISH_URL": str(folder), "PUBLISH_PURGE_COMMAND": command})
    asked = record.read_text().split()
    assert (
        "https://alumni.example.org/stories/" in asked
        and "https://alumni.example.org/stories/index.html" in asked
    )


def test_the_cdn_is_asked_for_the_addresses_a_browser_asks_for(tmp_path, cdn):
    """File names with Chinese, spaces, %, + and #: each address the CDN is asked to forget is
    one that serves that file."""
    url, received = cdn
    output, names = tmp_path / "output-publish", ["年度报告 2025.pdf", "a+b.html", "100%.html", "c#1.html"]
    (output / "docs").mkdir(parents=True)
    (output / "index.html").write_text("<p>校友会</p>", encoding="utf-8")
    for name in names:
        (output / "docs" / name).write_text(name, encoding="utf-8")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(output)))  # fmt: skip
    threading.Thread(target=server.serve_forever, daemon=True).start()
    environ = {"PUBLISH_URL": str(tmp_path / "srv/alumni"), "PUBLISH_PURGE_URL": url}
    try:
        publish_site(ROOT / "publishconf.py", open_target(environ), environ,
                     overrides={"OUTPUT_PATH": str(output), "SITEURL": f"http://127.0.0.1:{server.server_port}"})  # fmt: skip
        asked = [address for _, batch in received for address in batch if "/docs/" in address]
        served = {urllib.request.urlopen(address, timeout=10).read().decode() for address in asked}
    finally:
        server.shutdown()
    assert len(asked) == len(names) and served == set(names)


def test_a_refused_purge_says_the_site_is_updated_and_shows_no_secret(versions, tmp_path, cdn):
    url, _ = cdn
    folder = tmp_path / "srv/alumni"
    publish(versions.old, {"PUBLISH_URL": str(folder)})
    report = publish(versions.edited, {"PUBLISH_URL": str(folder), "PUBLISH_PURGE_URL": url,
                                       "PUBLISH_PURGE_TOKEN": "wrong-token"})  # fmt: skip
    sentence = report.purge_problem.sentence()
    assert "拒绝了刷新请求（HTTP 403）" in sentence and "the site was updated" in sentence
    assert "k-in-query" not in sentence and "wrong-token" not in sentence
    assert report.changes.uploaded  # published all the same


def test_keys_hidden_files_links_and_private_copies_are_never_published(tmp_path):
    """Whatever put them in the built site (a key dropped in content/images/ is copied as it
    is), the publish names each and sends nothing."""
    output, data = tmp_path / "output-publish", tmp_path / "data"
    (output / "images" / ".git").mkdir(parents=True)
    (data / "private").mkdir(parents=True)
    (data / "private" / "register.csv").write_text("name,mobile\n王小明,13800138000\n", encoding="utf-8")
    (output / "index.html").write_text("<p>校友会</p>", encoding="utf-8")
    (output / "images" / ".git" / "config").write_text("[remote]\n", encoding="utf-8")
    (output / "images" / "office.agekey").write_text("AGE-SECRET-KEY-1QQQ\n", encoding="utf-8")
    (output / "images" / "deploy").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n", encoding="utf-8")
    (output / "images" / "list.txt").write_bytes((data / "private" / "register.csv").read_bytes())
    (output / "images" / "passwd.txt").symlink_to("/etc/passwd")
    folder = tmp_path / "srv" / "alumni"
    environ = {"PUBLISH_URL": str(folder)}
    with pytest.raises(ProblemsFound) as found:
        publish_site(ROOT / "publishconf.py", open_target(environ), environ,
                     overrides={"OUTPUT_PATH": str(output), "DATA_PACKAGE": str(data / "datapackage.yaml")})  # fmt: skip
    assert [(p.file, p.zh.split("，")[0]) for p in found.value.problems] == [
        ("output-publish/images/.git/config", "是隐藏文件或在隐藏文件夹里"),
        ("output-publish/images/deploy", "像是私钥或密钥文件"),
        ("output-publish/images/list.txt", "与 data/private 或 data/inbox 里的私密文件相同"),
        ("output-publish/images/office.agekey", "像是私钥或密钥文件"),
        ("output-publish/images/passwd.txt", "是符号链接"),
    ]
    assert not folder.exists()
