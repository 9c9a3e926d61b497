"""How to give: the ways of data/giving.csv on every open project's page, and a pledge form to print."""

from core.tables import read_records
from plugins.giving import Way, row_problems, ways_for
from tests.support import ROOT

NAMES = {"zh": "学生创新基金", "en": "Student Innovation Fund"}
ROWS = [
    {"id": "bank", "project": "", "channel": "bank_transfer", "payee": "示例基金会", "payee_en": "Example Foundation",
     "bank": "示例银行", "bank_en": "", "account": "1234 5678", "memo": "捐赠+{project}", "memo_en": "", "qr": "",
     "contact": "giving@alumni.example.org"},
    {"id": "cs", "project": "cs-development-fund", "channel": "cheque", "payee": "计算机学院", "payee_en": "",
     "bank": "", "bank_en": "", "account": "", "memo": "支票背面注明 {project}", "memo_en": "On the back: {project}",
     "qr": "", "contact": "cs@alumni.example.org"},
]  # fmt: skip


def test_rows_without_a_project_serve_every_project_and_the_memo_names_it():
    assert ways_for(ROWS, "student-innovation-fund", NAMES, "zh", "zh") == [
        Way(
            "bank_transfer",
            "示例基金会",
            "示例银行",
            "1234 5678",
            "捐赠+学生创新基金",
            "",
            "giving@alumni.example.org",
        )
    ]
    assert [w.channel for w in ways_for(ROWS, "cs-development-fund", NAMES, "zh", "zh")] == [
        "bank_transfer",
        "cheque",
    ]


def test_the_english_edition_takes_the_english_words_where_there_are_some():
    [bank] = ways_for(ROWS, "student-innovation-fund", NAMES, "en", "zh")
    assert (bank.payee, bank.bank, bank.memo) == (
        "Example Foundation",
        "示例银行",
        "捐赠+学生创新基金",
    )  # as the bank reads it
    [_, cheque] = ways_for(
        ROWS, "cs-development-fund", {"zh": "计算机学院发展基金", "en": "CS Fund"}, "en", "zh"
    )
    assert cheque.memo == "On the back: CS Fund"


def test_a_way_without_what_it_needs_is_named_with_its_row(tmp_path):
    rows = [
        {**ROWS[0], "account": ""},
        {**ROWS[0], "channel": "wechat", "bank": "", "account": ""},
        {**ROWS[0], "channel": "alipay", "qr": "giving/alipay.png"},
    ]
    assert [p.sentence() for p in row_problems(rows, tmp_path)] == [
        "data/giving.csv, 第 2 行 (row 2), 字段 account: 银行转账需要开户行 bank 和账号 account，请补上 / a bank transfer "
        "needs the bank and the account number; fill them in",
        "data/giving.csv, 第 3 行 (row 3), 字段 qr: 微信、支付宝需要收款码图片：请把办公室提供的图片放在 data/giving/ 里，在这里写 "
        "giving/文件名 / a WeChat or Alipay payment needs its QR image: put the image the office supplies in data/giving/ "
        "and write giving/<file name> here",
        "data/giving.csv, 第 4 行 (row 4), 字段 qr: “giving/alipay.png”找不到图片 data/giving/alipay.png，请把收款码图片放在"
        "那里，或改正文件名 / data/giving/alipay.png does not exist; put the QR image there or correct the name",
    ]


def test_every_open_project_says_how_to_give_and_a_closed_one_does_not(demo_site):
    page = (demo_site / "projects/cs-development-fund/index.html").read_text(encoding="utf-8")
    assert "如何捐赠" in page and "示例大学教育发展基金会" in page and "1234 5678 9000 0000 001" in page
    assert (
        "捐赠+计算机学院发展基金+捐赠人姓名" in page
        and 'href="/projects/cs-development-fund/pledge/"' in page
    )
    assert '<img class="qr" src="/giving/wechat-sample.svg"' in page and "giving@alumni.example.org" in page
    closed = (demo_site / "projects/class-of-1986-scholarship/index.html").read_text(encoding="utf-8")
    assert "如何捐赠" not in closed and not (demo_site / "projects/class-of-1986-scholarship/pledge").exists()


def test_each_edition_has_a_pledge_form_for_each_open_project(demo_site):
    projects = read_records(ROOT / "data/projects.csv")
    opened = sorted(p["id"] for p in projects if p["status"] == "open")
    for folder in (demo_site / "projects", demo_site / "en/projects"):
        assert sorted(p.parent.parent.name for p in folder.glob("*/pledge/index.html")) == opened
    english = (demo_site / "en/projects/student-innovation-fund/pledge/index.html").read_text(
        encoding="utf-8"
    )
    assert "Donation pledge" in english and "Gift + Student Innovation Fund + your name" in english


def test_the_qr_image_the_office_supplies_is_published_as_it_is(demo_site):
    image = "giving/wechat-sample.svg"
    assert (demo_site / image).read_bytes() == (ROOT / "data" / image).read_bytes()
