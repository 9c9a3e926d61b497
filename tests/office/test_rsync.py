"""Publishing with rsync: over ssh to Debian's OpenSSH server on 127.0.0.1, and to a local folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.problems import ProblemsFound
from office.publishing import open_target
from tests.office.conftest import DELETED, EDITED, files, publish
from tests.support import ROOT, free_port


@pytest.fixture(params=["ssh", "folder"])
def target(request, tmp_path) -> tuple[Path, dict[str, str]]:
    """Where the site goes (a folder, on the 'server' or here) and what an office would set for it."""
    folder = tmp_path / "srv" / "alumni"
    if request.param == "folder":
        return folder, {"PUBLISH_URL": str(folder)}
    return folder, request.getfixturevalue("ssh_server").environ(folder)


def test_the_first_publish_sends_every_file(versions, target):
    folder, environ = target
    report = publish(versions.old, environ)
    assert len(report.changes.new) == len(files(versions.old)) and files(folder) == files(versions.old)
    assert (folder / "index.html").stat().st_mode & 0o777 == 0o644  # the web server may read it


def test_publishing_the_same_sources_again_sends_nothing(versions, target):
    _, environ = target
    publish(versions.old, environ)
    report = publish(versions.again, environ)
    assert (report.changes.uploaded, report.changes.deleted) == ([], [])
    assert report.changes.unchanged == len(files(versions.again))


def test_editing_one_article_sends_only_what_changed(versions, target):
    folder, environ = target
    publish(versions.old, environ)
    report = publish(versions.edited, environ)
    assert EDITED in report.changes.changed and len(report.changes.uploaded) < 50
    assert files(folder) == files(versions.edited)


def test_a_deleted_page_disappears(versions, target):
    folder, environ = target
    publish(versions.edited, environ)
    report = publish(versions.pruned, environ)
    assert DELETED in report.changes.deleted
    assert files(folder) == files(versions.pruned)


def test_a_dry_run_changes_nothing(versions, target):
    folder, environ = target
    publish(versions.edited, environ)
    report = publish(versions.pruned, environ, dry_run=True)
    assert DELETED in report.changes.deleted and files(folder) == files(versions.edited)


def test_a_publish_killed_midway_leaves_the_old_site_whole_and_the_next_finishes(versions, target):
    folder, environ = target
    publish(versions.old, environ)
    old = files(folder)
    slow = {**environ, "PUBLISH_RSYNC_OPTIONS": "--bwlimit=500"}  # an office's slow line: time to stop it
    code = f"from tests.office.conftest import publish; publish({str(versions.renamed)!r}, {slow!r})"
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, start_new_session=True)
    deadline = time.monotonic() + 60
    while not any(".~tmp~" in path for path in _everything(folder)):  # changed files arriving
        assert process.poll() is None and time.monotonic() < deadline, (
            "the publish ended before it could be stopped"
        )
        time.sleep(0.01)
    time.sleep(0.3)
    os.killpg(process.pid, signal.SIGKILL)  # kill -9 of the publish, its rsync and ssh
    process.wait(timeout=10)

    # The old site, whole: changed files wait aside (hidden .~tmp~ folders, and a hidden
    # temporary file for the one being received) until all have arrived.
    now = {path: data for path, data in files(folder).items() if not _hidden(path)}
    assert now == old

    report = publish(versions.renamed, environ)
    assert files(folder) == files(versions.renamed)  # and nothing left aside
    assert DELETED in report.changes.deleted


def _hidden(path: str) -> bool:
    return any(part.startswith(".") for part in path.split("/"))


def _everything(folder: Path) -> list[str]:
    return [str(p) for p in folder.rglob("*")] if folder.exists() else []


def test_a_refused_connection_is_one_sentence(versions, tmp_path):
    environ = {"PUBLISH_URL": f"ssh://root@127.0.0.1:{free_port()}/srv/alumni"}
    with pytest.raises(ProblemsFound) as found:
        publish(versions.old, environ)
    assert "无法连接服务器 127.0.0.1" in found.value.problems[0].sentence()


def test_a_key_the_server_does_not_know_is_named(versions, ssh_server, tmp_path):
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "other")], check=True)
    environ = {
        **ssh_server.environ(tmp_path / "srv/alumni"),
        "PUBLISH_SSH_KEY": (tmp_path / "other").read_text(),
    }
    with pytest.raises(ProblemsFound) as found:
        publish(versions.old, environ)
    assert "不接受这个密钥" in str(found.value) and "PRIVATE KEY" not in str(found.value)


def test_an_unknown_host_key_is_not_trusted(versions, ssh_server, tmp_path):
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "impostor")], check=True
    )
    impostor = " ".join((tmp_path / "impostor.pub").read_text().split()[:2])
    environ = {**ssh_server.environ(tmp_path / "srv/alumni"),
               "PUBLISH_SSH_KNOWN_HOSTS": f"[127.0.0.1]:{ssh_server.port} {impostor}"}  # fmt: skip
    with pytest.raises(ProblemsFound, match="PUBLISH_SSH_KNOWN_HOSTS"):
        publish(versions.old, environ)
    assert not (tmp_path / "srv").exists()


def test_a_folder_of_other_files_is_not_wiped(versions, tmp_path):
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / "thesis.docx").write_bytes(b"PK")
    with pytest.raises(ProblemsFound, match="已有别的文件而不是网站"):
        open_target({"PUBLISH_URL": str(tmp_path / "documents")})


def test_a_folder_without_its_full_path_is_in_the_repository_whatever_folder_one_runs_in(
    tmp_path, monkeypatch
):
    """The defect: PUBLISH_URL=site-for-pages (docs/deploy.md, GitHub Pages) and invoke publish
    run in content/ published into content/site-for-pages."""
    (tmp_path / "content").mkdir()
    monkeypatch.chdir(tmp_path / "content")
    target = open_target({"PUBLISH_URL": "site-for-pages"}, tmp_path)
    assert target.destination == str(tmp_path / "site-for-pages")


def test_a_server_folder_of_other_files_is_not_wiped(ssh_server, tmp_path):
    folder = tmp_path / "home" / "publish"  # a typo in PUBLISH_URL: the account's home folder
    folder.mkdir(parents=True)
    (folder / "thesis.docx").write_bytes(b"PK")
    with pytest.raises(ProblemsFound, match="已有别的文件而不是网站"):
        open_target(ssh_server.environ(folder))
    assert (folder / "thesis.docx").exists()


def test_a_shallow_server_folder_is_refused():
    with pytest.raises(ProblemsFound, match="至少两层"):
        open_target({"PUBLISH_URL": "ssh://deploy@www.example.edu.cn/srv"})
