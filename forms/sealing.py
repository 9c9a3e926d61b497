"""Private fields sealed with the office's age public key, opened only with its private key.

The handler holds the public half (FORMS_AGE_RECIPIENT) and can only seal; editors hold the
private half (office.agekey, outside the repository) and open sealed cells when they review.
A sealed cell is text, "age:" + base64 of an age file, so it travels in an inbox CSV and in git.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import os
from collections.abc import Mapping
from pathlib import Path

import pyrage

from forms.definitions import Form
from forms.problems import Problem, ProblemsFound

RECIPIENT_ENV = "FORMS_AGE_RECIPIENT"
KEY_FILE = "office.agekey"
PREFIX = "age:"
# Every age file starts with "age-encryption.org/v1". Only a cell that starts with it too is
# treated as sealed, so a class note that happens to begin "age: 45" still reads as typed.
_SEALED = PREFIX + base64.b64encode(b"age-encryption.org/v1").decode("ascii")


class Unreadable(Exception):
    """A sealed cell that cannot be opened. The caller knows the file and row: see problem()."""

    def __init__(self, zh: str, en: str, field: str | None = None):
        self.zh, self.en, self.field = zh, en, field
        super().__init__(f"{zh} / {en}")

    def problem(self, file: str, row: int | None = None) -> Problem:
        return Problem(file, self.zh, self.en, row=row, field=self.field, kind="sealed")


def generate_keypair() -> tuple[str, str]:
    """A new (identity "AGE-SECRET-KEY-1…", recipient "age1…") pair."""
    identity = pyrage.x25519.Identity.generate()
    return str(identity), str(identity.to_public())


def is_sealed(cell: object) -> bool:
    return isinstance(cell, str) and cell.startswith(_SEALED)


class Sealer:
    """Seals values for the office. It holds only the public key, so it can never open them.

    `recipient` is FORMS_AGE_RECIPIENT: one age1… key, or several separated by commas (a
    second key held offline, or the next key while the office changes keys).
    """

    def __init__(self, recipient: str):
        self.recipients = _recipients(recipient)

    def seal(self, value: str) -> str:
        if value == "":
            return ""  # an empty cell reads as "not given" everywhere; there is nothing to hide
        sealed = pyrage.encrypt(value.encode("utf-8"), self.recipients)
        return PREFIX + base64.b64encode(sealed).decode("ascii")

    def seal_values(self, form: Form, values: Mapping[str, str]) -> dict[str, str]:
        """The values with every private field of the form sealed and the others as they were."""
        private = {f.name for f in form.fields if f.private}
        return {name: self.seal(value) if name in private else value for name, value in values.items()}


class Opener:
    """Opens sealed cells with the office's private key; clear-text cells pass through unchanged.

    Clear text passes so that rows from a development inbox, which has no key, still read.
    `source` names where the key came from, for the sentence if it is not a key.
    """

    def __init__(self, identity: str, source: str = KEY_FILE):
        self.identities = _identities(identity, source)

    def open(self, cell: str) -> str:
        if not is_sealed(cell):
            return cell
        try:
            # Tools that wrap long cells may have added line breaks; base64 itself has none.
            sealed = base64.b64decode("".join(cell[len(PREFIX) :].split()), validate=True)
            return pyrage.decrypt(sealed, self.identities).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise _damaged() from None
        except pyrage.DecryptError as error:
            # pyrage has one error type; its text is how age says "not sealed for this key".
            if "no matching keys" in str(error).lower():
                raise Unreadable(
                    "是用另一把公钥加密的，这把私钥打不开：请确认用的是校友会办公室当前的私钥（office.agekey）；换过密钥的话，之前的提交要用旧私钥打开",
                    "was sealed for another key: check that you use the office's current private key (office.agekey); submissions from before a change of key need the old one",
                ) from None
            raise _damaged() from None

    def open_row(self, row: Mapping[str, str]) -> dict[str, str]:
        """The row with every sealed cell opened; Unreadable names the field that failed."""
        opened = {}
        for name, cell in row.items():
            try:
                opened[name] = self.open(cell)
            except Unreadable as error:
                raise Unreadable(error.zh, error.en, field=name) from None
        return opened


def load_identity(path: Path) -> Opener:
    """An Opener for the key file at path (as written by write_keypair, or by age-keygen)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _key_problem(
            str(path),
            "找不到私钥文件：请把校友会办公室的私钥 office.agekey 放在这里（见 invoke keygen 的说明）",
            "the private key file is not there: put the office's office.agekey here (see what invoke keygen printed)",
        ) from None
    except (OSError, UnicodeDecodeError):
        raise _key_problem(
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
        raise _key_problem(
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
        raise _key_problem(
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


def _recipients(text: str) -> list[pyrage.x25519.Recipient]:
    keys = [key.strip() for key in text.split(",") if key.strip()]
    # The value is never repeated in a sentence: it may be a private key put in the wrong place.
    if any(key.upper().startswith("AGE-SECRET-KEY-") for key in keys):
        raise _key_problem(
            RECIPIENT_ENV,
            "填的是私钥（AGE-SECRET-KEY-…），私钥不能离开办公室的电脑：请改填 invoke keygen 打印的公钥（age1…）",
            "holds the private key (AGE-SECRET-KEY-…), which must not leave the office's computers: set it to the public key (age1…) that invoke keygen printed",
        )
    if not keys:
        raise _key_problem(
            RECIPIENT_ENV,
            "未设置，私密字段无法加密：请运行 invoke keygen，把它打印的公钥（age1…）填在这里",
            "is not set, so private fields cannot be sealed: run invoke keygen and set it to the public key (age1…) it prints",
        )
    try:
        return [pyrage.x25519.Recipient.from_str(key) for key in keys]
    except pyrage.RecipientError:
        raise _key_problem(
            RECIPIENT_ENV,
            "不是有效的 age 公钥：请把 invoke keygen 打印的 age1… 公钥整行复制过来，不要有空格或换行",
            "is not a valid age public key: copy the whole age1… key that invoke keygen printed, without spaces or line breaks",
        ) from None


def _identities(text: str, source: str) -> list[pyrage.x25519.Identity]:
    identities = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("age1"):
            raise _key_problem(
                source,
                "这是公钥，不是私钥：请用 invoke keygen 写下的私钥文件 office.agekey",
                "holds the public key, not the private one: use the private key file office.agekey that invoke keygen wrote",
                line=number,
            )
        try:
            identities.append(pyrage.x25519.Identity.from_str(line))
        except pyrage.IdentityError:
            raise _key_problem(
                source,
                "不是有效的 age 私钥：请使用 invoke keygen 写下的文件，不要修改它",
                "is not a valid age private key: use the file invoke keygen wrote, unchanged",
                line=number,
            ) from None
    if not identities:
        raise _key_problem(
            source,
            "里面没有私钥（AGE-SECRET-KEY-…）：请使用 invoke keygen 写下的私钥文件",
            "holds no private key (AGE-SECRET-KEY-…): use the private key file invoke keygen wrote",
        )
    return identities


def _damaged() -> Unreadable:
    return Unreadable(
        "已损坏，无法解密：加密的内容不能在电子表格里修改，请从 git 历史中找回这一行",
        "is damaged and cannot be opened: sealed cells must not be edited in a spreadsheet; recover the row from git history",
    )


def _key_problem(where: str, zh: str, en: str, line: int | None = None) -> ProblemsFound:
    return ProblemsFound([Problem(where, zh, en, line=line, kind="key")])


def _repository_around(directory: Path) -> Path | None:
    """The git working tree that holds directory, if any."""
    folder = directory.resolve()
    return next((p for p in (folder, *folder.parents) if (p / ".git").exists()), None)
