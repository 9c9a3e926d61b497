"""Private fields sealed with the office's age key: only the private key opens them, nothing else reads them."""

import base64

import pytest

from core.definitions import load_forms
from core.problems import ProblemsFound
from core.sealing import (
    Opener,
    Sealer,
    Unreadable,
    generate_keypair,
)
from core.tables import read_records
from forms.inbox import LocalInbox
from tests.support import ROOT

IDENTITY, RECIPIENT = generate_keypair()
UPDATE = {
    "name": "周晓梅",
    "gender": "female",
    "birth_date": "1968-05-04",
    "mobile": "13800138000",
    "email": "zhou.xm@example.com",
    "address": "示例市学府路88号3栋201室 𠀀𠀁",
    "consent": "yes",
}
PRIVATE = ["address", "birth_date", "email", "mobile"]


@pytest.fixture(scope="module")
def update_form():
    return load_forms(ROOT / "forms")["update"]


def test_values_come_back_exactly_as_typed():
    sealer, opener = Sealer(RECIPIENT), Opener(IDENTITY)
    typed = ["周晓梅", "👩🏻‍🎓 校友", "𠀀𠀁𪚥 rare CJK", 'a "quoted",\nmulti-line value', "=HYPERLINK()", "0"]
    for value in typed:
        assert opener.open(sealer.seal(value)) == value


def test_empty_value_stays_empty():
    assert Sealer(RECIPIENT).seal("") == ""
    assert Opener(IDENTITY).open("") == ""


def test_only_private_fields_are_sealed(update_form):
    sealed = Sealer(RECIPIENT).seal_values(update_form, UPDATE)
    assert sorted(k for k, v in sealed.items() if v != UPDATE[k]) == PRIVATE
    assert all(sealed[k].startswith("age:") for k in PRIVATE)
    assert Opener(IDENTITY).open_row(sealed) == UPDATE


def test_sealed_cell_never_holds_the_clear_text():
    sealer = Sealer(RECIPIENT)
    for value in ["13800138000", "zhou.xm@example.com", "示例市学府路88号"]:
        cell = sealer.seal(value)
        assert value not in cell
        assert value.encode() not in base64.b64decode(cell.removeprefix("age:"))
        assert sealer.seal(value) != cell  # the same phone twice cannot be matched across rows


def test_sealed_row_goes_through_the_inbox_and_back(tmp_path, update_form):
    inbox = LocalInbox(tmp_path)
    inbox.append(update_form, Sealer(RECIPIENT).seal_values(update_form, UPDATE))
    text = inbox.path(update_form).read_text(encoding="utf-8")
    assert "13800138000" not in text and "zhou.xm" not in text and "学府路" not in text
    [row] = read_records(inbox.path(update_form))
    opened = Opener(IDENTITY).open_row(row)
    assert {k: opened[k] for k in UPDATE} == UPDATE


def test_clear_text_from_a_development_inbox_reads_unchanged():
    row = {"name": "李华", "mobile": "13900003333", "body": "age: 45 岁，回到母校", "note": "age:whatever"}
    assert Opener(IDENTITY).open_row(row) == row


def test_cell_sealed_for_another_key_gives_one_sentence():
    other_identity, other_recipient = generate_keypair()
    cell = Sealer(other_recipient).seal("13800138000")
    with pytest.raises(Unreadable) as raised:
        Opener(IDENTITY).open_row({"name": "李华", "mobile": cell})
    assert raised.value.problem("data/inbox/update-v1.csv", row=3).sentence() == (
        "data/inbox/update-v1.csv, 第 3 行 (row 3), 字段 mobile: "
        "是用另一把公钥加密的，这把私钥打不开：请确认用的是校友会办公室当前的私钥（office.agekey）；换过密钥的话，之前的提交要用旧私钥打开"
        " / was sealed for another key: check that you use the office's current private key (office.agekey);"
        " submissions from before a change of key need the old one"
    )
    assert Opener(other_identity).open(cell) == "13800138000"


@pytest.mark.parametrize(
    "damage",
    [
        lambda cell: cell[:-10],  # cut short, as by a spreadsheet's cell limit
        lambda cell: cell[:200] + ("A" if cell[200] != "A" else "B") + cell[201:],  # one character changed
        lambda cell: cell + "!",  # not base64 any more
    ],
)
def test_damaged_cell_gives_one_sentence(damage):
    cell = damage(Sealer(RECIPIENT).seal("zhou.xm@example.com"))
    with pytest.raises(Unreadable) as raised:
        Opener(IDENTITY).open_row({"email": cell})
    assert raised.value.field == "email"
    assert str(raised.value) == (
        "已损坏，无法解密：加密的内容不能在电子表格里修改，请从 git 历史中找回这一行 / is damaged and cannot be opened:"
        " sealed cells must not be edited in a spreadsheet; recover the row from git history"
    )


def test_several_recipients_each_open_what_was_sealed():
    backup_identity, backup_recipient = generate_keypair()
    cell = Sealer(f"{RECIPIENT}, {backup_recipient}").seal("13800138000")
    assert Opener(IDENTITY).open(cell) == Opener(backup_identity).open(cell) == "13800138000"


def test_bad_recipient_names_the_setting_and_what_to_do():
    with pytest.raises(ProblemsFound) as raised:
        Sealer("age1notakey")
    assert raised.value.problems[0].sentence() == (
        "FORMS_AGE_RECIPIENT: 不是有效的 age 公钥：请把 invoke keygen 打印的 age1… 公钥整行复制过来，不要有空格或换行"
        " / is not a valid age public key: copy the whole age1… key that invoke keygen printed, without spaces or line breaks"
    )


def test_private_key_given_as_recipient_is_refused_and_never_repeated():
    with pytest.raises(ProblemsFound) as raised:
        Sealer(IDENTITY)
    assert "AGE-SECRET-KEY-…" in str(raised.value) and IDENTITY not in str(raised.value)


def test_missing_recipient_is_refused():
    with pytest.raises(ProblemsFound, match="FORMS_AGE_RECIPIENT: 未设置"):
        Sealer("")
