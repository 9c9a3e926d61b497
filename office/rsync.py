"""The folder target: rsync over ssh to the university's own web server, or to a folder on this computer.

rsync compares checksums (-c), not times: every build writes every file anew. Changed files
wait in hidden folders (--delay-updates) and are renamed into place together at the end, then
the files no longer in the site are deleted (--delete-delay), so a publish stopped halfway
leaves the old site whole; the next one uses what was already sent and finishes.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from office.publishing import URL_ENV, Changes, SiteFile, problem

# The web server reads what the publishing user writes, whatever that user's umask.
_OPTIONS = ["-rlpc", "-8", "--chmod=D755,F644", "--delete-delay", "--delay-updates", "--mkpath",
            "--out-format=%i %n"]  # fmt: skip


class Rsync:
    def __init__(self, label: str, destination: str, host: str | None, user: str | None, port: int | None,
                 environ: Mapping[str, str]):  # fmt: skip
        self.label, self.destination, self.host, self.user, self.port = label, destination, host, user, port
        self.key = environ.get("PUBLISH_SSH_KEY") or ""
        self.known_hosts = environ.get("PUBLISH_SSH_KNOWN_HOSTS") or ""
        self.extra = shlex.split(environ.get("PUBLISH_RSYNC_OPTIONS") or "")

    @classmethod
    def from_url(cls, url: str, environ: Mapping[str, str], root: Path | None = None) -> Rsync:
        parts = urlsplit(url)
        if parts.scheme != "ssh":
            folder = Path(unquote(parts.path) if parts.scheme == "file" else url).expanduser()
            folder = ((root or Path.cwd()) / folder).resolve()
            return cls(str(folder), str(folder), None, None, None, environ)
        if parts.password:
            raise problem(URL_ENV, "不要把密码写进地址，请改用密钥：把私钥放进 PUBLISH_SSH_KEY",
                          "holds a password: use a key instead, with the private key in PUBLISH_SSH_KEY")  # fmt: skip
        folder = unquote(parts.path).rstrip("/")
        try:
            port = parts.port
        except ValueError:
            port = -1
        if not parts.hostname or port == -1 or len(Path(folder).parts) < 3:
            raise problem(URL_ENV, f"“{url}”要写成 ssh://用户@服务器[:端口]/网站目录，目录至少两层（如 /srv/alumni），以免删掉别的文件",
                          f"'{url}' must be ssh://user@host[:port]/folder, a folder at least two deep (such as /srv/alumni) so nothing else is deleted")  # fmt: skip
        login = f"{parts.username}@{parts.hostname}" if parts.username else parts.hostname
        label = f"ssh://{login}{f':{port}' if port else ''}{folder}"
        return cls(label, f"{login}:{folder}", parts.hostname, parts.username, port, environ)

    def check(self) -> None:
        if shutil.which("rsync") is None:
            raise problem(self.label, "这台电脑没有 rsync，请先安装（Debian/Ubuntu: apt-get install rsync）",
                          "needs rsync on this computer: install it first (Debian/Ubuntu: apt-get install rsync)")  # fmt: skip
        if self.host:
            names = self._remote_names()
        else:
            folder = Path(self.destination)
            names = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
        if names and "index.html" not in names:
            raise problem(self.label, "里已有别的文件而不是网站，发布会删掉它们：请换一个空文件夹",
                          "already holds files that are not a site, which publishing would delete: use an empty folder")  # fmt: skip

    def send(self, files: dict[str, SiteFile], output: Path, dry_run: bool) -> Changes:
        with tempfile.TemporaryDirectory(prefix="publish-ssh-") as secrets:
            command = ["rsync", *_OPTIONS, *self.extra, *(["--dry-run"] if dry_run else [])]
            if self.host:
                command += ["-e", shlex.join(self._ssh(Path(secrets)))]
            result = subprocess.run([*command, f"{output}/", self.destination + "/"], capture_output=True,
                                    text=True, errors="replace")  # fmt: skip
        if result.returncode != 0:
            raise self._failed(result.returncode, result.stderr)
        changes = Changes()
        for line in result.stdout.splitlines():
            flags, _, name = line.partition(" ")
            if flags == "*deleting":
                name = name.strip()
                if not name.endswith("/"):
                    changes.deleted.append(name)
            elif flags[:2] in ("<f", ">f") and name in files:
                (changes.new if flags[2:].startswith("+++") else changes.changed).append(name)
                changes.bytes += files[name].size
        changes.unchanged = len(files) - len(changes.uploaded)
        return changes

    def _remote_names(self) -> set[str]:
        """The names in the server's folder (none if it does not exist yet), from one rsync listing."""
        with tempfile.TemporaryDirectory(prefix="publish-ssh-") as secrets:
            command = ["rsync", "--list-only", "-8", *self.extra, "-e", shlex.join(self._ssh(Path(secrets)))]
            result = subprocess.run([*command, self.destination + "/"], capture_output=True, text=True,
                                    errors="replace")  # fmt: skip
        if result.returncode == 23 and "No such file or directory" in result.stderr:
            return set()
        if result.returncode != 0:
            raise self._failed(result.returncode, result.stderr)
        # "drwxr-xr-x          4,096 2026/11/27 12:00:00 name": the name is what follows the time.
        return {
            line.split(None, 4)[4] for line in result.stdout.splitlines() if len(line.split(None, 4)) == 5
        } - {"."}

    def _ssh(self, secrets: Path) -> list[str]:
        """The ssh command rsync runs: no questions asked, the key and host key from the environment."""
        ssh = ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=20"]
        if self.port:
            ssh += ["-p", str(self.port)]
        if self.key:
            key = secrets / "key"
            key.write_text(self.key.strip() + "\n", encoding="utf-8")
            os.chmod(key, 0o600)  # ssh refuses a private key that others may read
            ssh += ["-i", str(key), "-o", "IdentitiesOnly=yes"]
        if self.known_hosts:
            known = secrets / "known_hosts"
            known.write_text(self.known_hosts.strip() + "\n", encoding="utf-8")
            ssh += ["-o", f"UserKnownHostsFile={known}", "-o", "StrictHostKeyChecking=yes"]
        return ssh

    def _failed(self, code: int, stderr: str):
        where = f"{self.host}{f':{self.port}' if self.port else ''}" if self.host else self.destination
        if "Host key verification failed" in stderr:
            return problem(self.label, f"不认识服务器 {where} 的主机密钥，请把 ssh-keyscan 给出、并与服务器管理员核对过的那一行放进 PUBLISH_SSH_KNOWN_HOSTS",
                           f"the host key of {where} is not known: put the line ssh-keyscan prints, checked with the server's administrator, in PUBLISH_SSH_KNOWN_HOSTS")  # fmt: skip
        if "Permission denied (publickey" in stderr or "Permission denied, please try again" in stderr:
            return problem(self.label, f"服务器 {where} 不接受这个密钥，请把公钥加到该用户的 ~/.ssh/authorized_keys，私钥放进 PUBLISH_SSH_KEY",
                           f"{where} refused the key: add the public key to that user's ~/.ssh/authorized_keys and the private key to PUBLISH_SSH_KEY")  # fmt: skip
        if any(s in stderr for s in ("Connection refused", "Connection timed out", "No route to host",
                                     "Could not resolve hostname", "Network is unreachable")):  # fmt: skip
            return problem(self.label, f"无法连接服务器 {where}，请检查 PUBLISH_URL 里的地址和端口、服务器的 ssh 是否开着",
                           f"could not connect to {where}: check the address and port in PUBLISH_URL and that the server's ssh is running")  # fmt: skip
        if "command not found" in stderr or "rsync: not found" in stderr:
            return problem(self.label, f"服务器 {where} 上没有 rsync，请服务器管理员安装",
                           f"{where} has no rsync: ask its administrator to install it")  # fmt: skip
        if "Permission denied" in stderr or "Read-only file system" in stderr:
            return problem(self.label, "没有权限写入网站目录，请让服务器管理员把它交给发布用的账号",
                           "the site's folder cannot be written: ask the administrator to give it to the publishing account")  # fmt: skip
        last = stderr.strip().splitlines()[-1] if stderr.strip() else ""
        return problem(self.label, f"rsync 没有成功（退出码 {code}：{last}），网站保持原样，请检查后重试",
                       f"rsync failed (exit status {code}: {last}); the site was left as it was: check and run again")  # fmt: skip
