"""Publishing to an S3-protocol bucket, against moto's S3 server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from core.problems import ProblemsFound
from office import bucket as bucket_module
from office.bucket import MANIFEST, Bucket
from office.publishing import open_target
from tests.office.conftest import DELETED, EDITED, files, publish
from tests.servers import S3_SECRET
from tests.support import ROOT

_numbers = itertools.count()


@pytest.fixture
def bucket(s3_server):
    """A new empty bucket: its name and what an office would set to publish to it."""
    name, client = f"site-{next(_numbers)}", s3_server.client()
    client.create_bucket(Bucket=name)
    # Readable by anyone, as a website's bucket is (docs/deploy.md)
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{name}/*",
    }
    client.put_bucket_policy(
        Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )
    return name, s3_server.publishing(name, "www")


def read(s3_server, name: str, prefix: str = "www/") -> dict[str, bytes]:
    """Every object of the site in the bucket, read back over plain HTTP as a visitor would."""
    return {
        path: urllib.request.urlopen(f"{s3_server.url}/{name}/{prefix}{path}", timeout=10).read()
        for path in held(s3_server, name, prefix)
    }


def held(s3_server, name: str, prefix: str = "www/") -> dict[str, str]:
    """Every object of the site in the bucket with its MD5, from one listing: each file is sent in
    one piece, so its ETag is the MD5 of its bytes (test_the_first_publish reads them back)."""
    objects = [o for page in s3_server.client().get_paginator("list_objects_v2").paginate(Bucket=name, Prefix=prefix)
               for o in page.get("Contents", []) if o["Key"] != prefix + MANIFEST]  # fmt: skip
    return {o["Key"][len(prefix) :]: o["ETag"].strip('"') for o in objects}


def sums(output) -> dict[str, str]:
    return {path: hashlib.md5(data).hexdigest() for path, data in files(output).items()}


def test_the_first_publish_uploads_every_file_with_its_content_type(versions, s3_server, bucket):
    name, environ = bucket
    report = publish(versions.old, environ)
    site = files(versions.old)
    assert len(report.changes.new) == len(site) and report.changes.deleted == []
    assert read(s3_server, name) == site
    client = s3_server.client()
    headers = {path: client.head_object(Bucket=name, Key=f"www/{path}") for path in
               ("index.html", "feeds/all.atom.xml", "theme/css/site.css", "sitemap.xml", "projects/cs-development-fund/figures.csv")}  # fmt: skip
    assert {path: h["ContentType"] for path, h in headers.items()} == {
        "index.html": "text/html; charset=utf-8",
        "feeds/all.atom.xml": "application/atom+xml; charset=utf-8",
        "theme/css/site.css": "text/css; charset=utf-8",
        "sitemap.xml": "application/xml; charset=utf-8",
        "projects/cs-development-fund/figures.csv": "text/csv; charset=utf-8",
    }
    assert headers["index.html"]["CacheControl"] == "public, max-age=300"
    fragment = next(p for p in site if p.startswith("pagefind/fragment/"))
    assert client.head_object(Bucket=name, Key=f"www/{fragment}")["CacheControl"].endswith("immutable")
    assert report.summary().startswith(f"已发布到 s3://{name}/www：上传 {len(site)} 个文件")


def test_publishing_the_same_sources_again_uploads_nothing(versions, s3_server, bucket):
    name, environ = bucket
    publish(versions.old, environ)
    report = publish(versions.again, environ)  # built anew: every file written again
    assert (report.changes.uploaded, report.changes.deleted) == ([], [])
    assert report.changes.unchanged == len(files(versions.again))

    # Another tool re-uploads the home page unchanged but without our headers: its ETag no
    # longer matches the manifest, so the publish asks the object itself and sends it again.
    client = s3_server.client()
    time.sleep(1.1)  # listings give times to the second: an upload in the manifest's second looks like ours
    client.put_object(Bucket=name, Key="www/index.html", Body=(versions.old / "index.html").read_bytes())
    report = publish(versions.again, environ)
    assert report.changes.changed == ["index.html"]
    assert client.head_object(Bucket=name, Key="www/index.html")["ContentType"] == "text/html; charset=utf-8"


def test_a_second_publish_of_the_same_site_writes_nothing(tmp_path, s3_server, bucket):
    _, environ = bucket
    for path in ("index.html", "news/a.html", "theme/css/site.css", "images/a-7f3c.webp"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(path, encoding="utf-8")
    publish(tmp_path, environ)
    before = len(s3_server.requests())
    publish(tmp_path, environ)
    assert [line for line in s3_server.requests()[before:] if not line.startswith(("GET ", "HEAD "))] == []


def test_an_edit_and_a_deletion_send_only_what_changed_and_a_dry_run_nothing(versions, s3_server, bucket):
    """One bucket through the publishes an office makes: an article edited, then (after a dry
    run of it) a story deleted."""
    name, environ = bucket
    publish(versions.old, environ)
    before = len(s3_server.requests())
    report = publish(versions.edited, environ)
    uploaded = report.changes.uploaded
    assert EDITED in uploaded and len(uploaded) < 50, uploaded
    assert "index.html" not in uploaded  # an old article: the home page does not show it
    puts = [line for line in s3_server.requests()[before:] if line.startswith("PUT ")]
    assert len(puts) == len(uploaded) + 1  # and the manifest
    assert held(s3_server, name) == sums(versions.edited)

    report = publish(versions.pruned, environ, dry_run=True)
    assert f"- {DELETED}" in report.listing() and report.changes.deleted
    assert report.summary().startswith("试运行，未做改动")
    assert held(s3_server, name) == sums(versions.edited)

    report = publish(versions.pruned, environ)
    assert DELETED in report.changes.deleted
    assert held(s3_server, name) == sums(versions.pruned)


def test_a_publish_killed_midway_leaves_the_old_site_whole_and_the_next_finishes(versions, s3_server, bucket):
    name, environ = bucket
    code = (f"from tests.office.conftest import publish; publish({str(versions.renamed)!r}, {environ!r})")  # fmt: skip
    for _ in range(3):  # a kill that lands once every file is sent is not midway: start again
        publish(versions.old, environ)
        old = held(s3_server, name)
        before = len(s3_server.requests())
        process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, start_new_session=True)
        deadline = time.monotonic() + 60
        while sum(line.startswith("PUT ") for line in s3_server.requests(settle=False)[before:]) < 5:
            assert process.poll() is None and time.monotonic() < deadline, (
                "the publish ended before it could be stopped"
            )
            time.sleep(0.01)
        os.killpg(process.pid, signal.SIGKILL)  # kill -9: no clean-up of any kind
        process.wait(timeout=10)
        if not any(line.startswith("PUT ") and MANIFEST in line for line in s3_server.requests()[before:]):
            break

    now = held(s3_server, name)
    assert set(old) <= set(now)  # every old page is still there, the one to delete too
    renamed = sums(versions.renamed)
    assert (
        sum(now[path] == renamed[path] for path in renamed if path in now and now[path] != old.get(path)) > 0
    )
    assert any(now.get(path) != data for path, data in renamed.items())  # it was stopped midway

    report = publish(versions.renamed, environ)
    assert held(s3_server, name) == renamed
    assert DELETED in report.changes.deleted
    assert len(report.changes.uploaded) < len(renamed)  # what the stopped publish sent is not sent again


def test_what_a_file_points_to_is_uploaded_before_it(tmp_path, s3_server, bucket):
    """Photos and fonts, then the styles and scripts that load them, then new pages, then the
    changed pages that link to those: a publish stopped at any moment leaves no dangling link.
    The names sort the other way, as a site's may."""
    _, environ = bucket
    old, new = tmp_path / "old", tmp_path / "new"
    site = {"index.html": "v1", **{f"a/p{n:02}.html": "v1" for n in range(24)}, "css/site.css": "v1"}
    changed = {**site, **{path: "v2" for path in site}, "z/new.html": "new", "js/search.js": "new",
               **{f"images/p{n:02}-{n}f3a.webp": "new" for n in range(24)}, "fonts/x-9c1.woff2": "new"}  # fmt: skip
    for folder, contents in ((old, site), (new, changed)):
        for path, text in contents.items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_text(text, encoding="utf-8")
    publish(old, environ)
    before = len(s3_server.requests())
    publish(new, environ)
    puts = [
        line.split()[1].split("/www/", 1)[1]
        for line in s3_server.requests()[before:]
        if line.startswith("PUT ")
    ]

    def step(path: str) -> int:
        if path.endswith(".html"):
            return 2 if path == "z/new.html" else 3
        return 1 if path.endswith((".css", ".js")) else 4 if path == MANIFEST else 0

    assert len(puts) == len(changed) + 1 and [step(p) for p in puts] == sorted(step(p) for p in puts)


def test_a_missing_bucket_is_named_with_what_to_check(s3_server):
    with pytest.raises(ProblemsFound) as found:
        open_target(s3_server.publishing("no-such-bucket"))
    assert found.value.problems[0].sentence() == (
        "s3://no-such-bucket/: 存储桶 no-such-bucket 不存在，请检查 PUBLISH_URL 里的桶名和 AWS_ENDPOINT_URL 的地域 "
        "/ the bucket no-such-bucket does not exist: check its name in PUBLISH_URL and the region of AWS_ENDPOINT_URL"
    )
    assert S3_SECRET not in str(found.value)


def test_a_folder_of_other_files_is_not_wiped(versions, s3_server, bucket):
    name, environ = bucket
    s3_server.client().put_object(Bucket=name, Key="www/annual-report.pdf", Body=b"%PDF")
    with pytest.raises(ProblemsFound, match="已有别的文件而不是网站"):
        publish(versions.old, environ)


def test_an_endpoint_without_https_is_one_sentence():
    # As the OSS console shows it: the host name alone.
    environ = {"PUBLISH_URL": "s3://alumni-site/www", "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s",
               "AWS_REGION": "cn-hangzhou", "AWS_ENDPOINT_URL": "s3.oss-cn-hangzhou.aliyuncs.com"}  # fmt: skip
    with pytest.raises(ProblemsFound) as found:
        open_target(environ)
    assert (
        found.value.problems[0]
        .sentence()
        .startswith(
            "AWS_ENDPOINT_URL: “s3.oss-cn-hangzhou.aliyuncs.com”不是存储服务的网址，请写成以 https:// 开头的地址"
        )
    )


def test_a_service_that_never_answers_is_told_before_the_build(monkeypatch):
    monkeypatch.setattr(bucket_module, "CHECK_SECONDS", 1)  # 10 s in use: the test need not wait so long
    held = []
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        threading.Thread(target=lambda: held.extend(server.accept() for _ in range(8)), daemon=True).start()
        environ = {"PUBLISH_URL": "s3://alumni-site/www", "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s",
                   "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": f"http://127.0.0.1:{server.getsockname()[1]}"}  # fmt: skip
        started = time.monotonic()
        with pytest.raises(ProblemsFound) as found:
            open_target(environ)
    assert time.monotonic() - started < 8 and held
    assert "took the connection but did not answer in time" in found.value.problems[0].sentence()


def test_oss_is_addressed_virtual_hosted_style():
    # OSS refuses path-style requests (SecondLevelDomainForbidden): the bucket goes in the host name.
    environ = {"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "AWS_REGION": "cn-hangzhou",
               "AWS_ENDPOINT_URL": "https://s3.oss-cn-hangzhou.aliyuncs.com"}  # fmt: skip
    target = Bucket.from_url("s3://alumni-site/www", environ)
    url = target.client.generate_presigned_url(
        "get_object", Params={"Bucket": "alumni-site", "Key": "www/index.html"}
    )
    assert url.startswith("https://alumni-site.s3.oss-cn-hangzhou.aliyuncs.com/www/index.html?")
