"""Private fields sealed with the office's age public key, opened only with its private key.

The handler holds the public half (FORMS_AGE_RECIPIENT) and can only seal; editors hold the
private half (office.agekey, outside the repository) and open sealed cells when they review.
A sealed cell is text, "age:" + base64 of an age file, so it travels in an inbox CSV and in git.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

import pyrage

from core.definitions import Form
from core.problems import Problem, ProblemsFound

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


def _recipients(text: str) -> list[pyrage.x25519.Recipient]:
    keys = [key.strip() for key in text.split(",") if key.strip()]
    # The value is never repeated in a sentence: it may be a private key put in the wrong place.
    if any(key.upper().startswith("AGE-SECRET-KEY-") for key in keys):
        raise key_problem(
            RECIPIENT_ENV,
            "填的是私钥（AGE-SECRET-KEY-…），私钥不能离开办公室的电脑：请改填 invoke keygen 打印的公钥（age1…）",
            "holds the private key (AGE-SECRET-KEY-…), which must not leave the office's computers: set it to the public key (age1…) that invoke keygen printed",
        )
    if not keys:
        raise key_problem(
            RECIPIENT_ENV,
            "未设置，私密字段无法加密：请运行 invoke keygen，把它打印的公钥（age1…）填在这里",
            "is not set, so private fields cannot be sealed: run invoke keygen and set it to the public key (age1…) it prints",
        )
    try:
        return [pyrage.x25519.Recipient.from_str(key) for key in keys]
    except pyrage.RecipientError:
        raise key_problem(
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
            raise key_problem(
                source,
                "这是公钥，不是私钥：请用 invoke keygen 写下的私钥文件 office.agekey",
                "holds the public key, not the private one: use the private key file office.agekey that invoke keygen wrote",
                line=number,
            )
        try:
            identities.append(pyrage.x25519.Identity.from_str(line))
        except pyrage.IdentityError:
            raise key_problem(
                source,
                "不是有效的 age 私钥：请使用 invoke keygen 写下的文件，不要修改它",
                "is not a valid age private key: use the file invoke keygen wrote, unchanged",
                line=number,
            ) from None
    if not identities:
        raise key_problem(
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


def key_problem(where: str, zh: str, en: str, line: int | None = None) -> ProblemsFound:
    return ProblemsFound([Problem(where, zh, en, line=line, kind="key")])
