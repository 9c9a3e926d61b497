"""The office's key pair: made once by `invoke keygen`, the private half kept outside any repository.

The handler holds only the public half (core/sealing.py's Sealer); the private key file opens
sealed cells when editors review submissions or import them into the register.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Mapping
from pathlib import Path

from core.sealing import KEY_FILE, RECIPIENT_ENV, Opener, generate_keypair, key_problem


def office_opener(identity: str | None = None, env: Mapping[str, str] | None = None) -> Opener | None:
    """The office's private key: the file given, else FORMS_AGE_IDENTITY, else the one keygen wrote."""
    env = os.environ if env is None else env
    path = identity or env.get("FORMS_AGE_IDENTITY")
    if path:
        return load_identity(Path(path).expanduser())
    default = default_key_directory(env) / KEY_FILE
    return load_identity(default) if default.exists() else None


def load_identity(path: Path) -> Opener:
    """An Opener for the key file at path (as written by write_keypair, or by age-keygen)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise key_problem(
            str(path),
            "找不到私钥文件：请把校友会办公室的私钥 office.agekey 放在这里（见 invoke keygen 的说明）",
            "the private key file is not there: put the office's office.agekey here (see what invoke keygen printed)",
        ) from None
    except (OSError, UnicodeDecodeError):
        raise key_problem(
            str(path),
            "无法读取私钥文件：请检查它是否是 invoke keygen 写的文件，以及您是否有权读取",
            "the private key file cannot be read: check that it is the file invoke keygen wrote and that you may read it",
        ) from None
    return Opener(text, source=str(path))


def default_key_directory(env: Mapping[str, str] | None = None) -> Path:
    """Where the editor's copy of the private key lives: their own config folder, outside any repository."""
    env = os.environ if env is None else env
    config = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config / "alumni-site"


def write_keypair(directory: Path) -> tuple[Path, str]:
    """Make a key pair; write the private half to directory/office.agekey (mode 0600), return (path, recipient).

    Never overwrites a key: submissions sealed for it could not be opened again.
    """
    directory = directory.expanduser()
    path = directory / KEY_FILE
    repository = _repository_around(directory)
    if repository is not None:
        raise key_problem(
            str(path),
            f"在 git 仓库 {repository} 之内，私钥绝不能进仓库：请换一个仓库以外的目录，如 ~/.config/alumni-site",
            f"is inside the git repository {repository}, and the private key must never enter one: choose a folder outside it, such as ~/.config/alumni-site",
        )
    identity, recipient = generate_keypair()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        # O_EXCL: refuse an existing file (or a link planted in its place) atomically.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise key_problem(
            str(path),
            "这里已有一把私钥，不会覆盖，用它加密的提交只能用它打开：如要换新密钥，先把它改名保存（不要删除），再运行一次",
            "a private key is already here and will not be overwritten, because what was sealed for it opens only with it: to make a new key, rename this one first (do not delete it), then run again",
        ) from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        os.fchmod(out.fileno(), 0o600)  # whatever the umask allowed
        created = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        # The layout of age-keygen's files, so the age command line can open cells too.
        out.write(f"# created: {created}\n# public key: {recipient}\n{identity}\n")
        out.flush()
        os.fsync(out.fileno())
    return path, recipient


def keygen_instructions(path: Path, recipient: str) -> str:
    """What `invoke keygen` prints: where each half of the new key goes."""
    return f"""已生成校友会办公室的加密密钥。/ The office's encryption key is made.

私钥 / private key: {path}
  只放在审核提交的电脑上，绝不能放进仓库、邮件或聊天；请另存一份离线副本（如加密 U 盘，锁进保险柜）。
  私钥丢失，已加密的字段就再也打不开了。
  Keep it only on the computers that review submissions, never in the repository, e-mail or chat,
  and keep an offline copy (an encrypted USB stick in the safe). If it is lost, sealed fields
  can never be opened again.

公钥 / public key: {recipient}
  把它设为表单处理程序的环境变量 / set it as the form handler's environment variable:
  {RECIPIENT_ENV}={recipient}
  公钥可以公开：它只能加密，不能解密。/ The public key may be shared: it can only seal, never open.
"""


def _repository_around(directory: Path) -> Path | None:
    """The git working tree that holds directory, if any."""
    folder = directory.resolve()
    return next((p for p in (folder, *folder.parents) if (p / ".git").exists()), None)
