"""How to give to a donation project: the ways of data/giving.csv on every open project's page,
and a pledge form to print for each. The site takes no payment; it says where to send one.

Rows without a project are ways to give to every open project; a row with one adds a way for
that project alone. A memo's `{project}` becomes the project's name, in the memo's language.
The QR images the office supplies sit beside the table (data/giving/) and are published at the
same path under the site (giving/wechat.png), byte for byte: a resized code may not scan.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pelican import signals
from pelican.generators import Generator

from core.problems import Problem, report
from plugins import check_order
from plugins.i18n import edition_path

logger = logging.getLogger(__name__)
SOURCE = "data/giving.csv"
QR_CHANNELS = ("wechat", "alipay")


@dataclass(frozen=True)
class Way:
    """One way to give, as one edition of one project's page shows it."""

    channel: str
    payee: str
    bank: str
    account: str
    memo: str
    qr: str  # the image's path in data/ and on the site (giving/wechat.png), or ""
    contact: str


def ways_for(
    rows: Iterable[Mapping], project: str, names: Mapping[str, str], lang: str, default: str
) -> list[Way]:
    """The ways to give to a project in an edition. `names` is the project's name per edition;
    an edition without its own words for a row shows the default edition's."""
    ways = []
    for row in rows:
        if row.get("project") not in (None, "", project):
            continue
        own = lang != default and bool(row.get("memo_en"))
        memo = (row["memo_en"] if own else row["memo"]).replace("{project}", names[lang if own else default])
        english = lang != default
        ways.append(
            Way(
                channel=row["channel"],
                payee=(english and row.get("payee_en")) or row["payee"],
                bank=(english and row.get("bank_en")) or row.get("bank") or "",
                account=row.get("account") or "",
                memo=memo,
                qr=row.get("qr") or "",
                contact=row["contact"],
            )
        )
    return ways


def row_problems(rows: Iterable[Mapping], data: Path) -> list[Problem]:
    """What each row needs for its way: a bank transfer its bank and account number, a WeChat or
    Alipay payment the QR image the office supplies, in data/ where the row says it is."""
    problems = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header, as a spreadsheet counts
        if row["channel"] == "bank_transfer":
            for field in ("bank", "account"):
                if not row.get(field):
                    problems.append(Problem(SOURCE, "银行转账需要开户行 bank 和账号 account，请补上",
                                            "a bank transfer needs the bank and the account number; fill them in",
                                            row=number, field=field))  # fmt: skip
        if row["channel"] in QR_CHANNELS and not row.get("qr"):
            problems.append(Problem(SOURCE, "微信、支付宝需要收款码图片：请把办公室提供的图片放在 data/giving/ 里，在这里写 giving/文件名",
                                    "a WeChat or Alipay payment needs its QR image: put the image the office supplies in "
                                    "data/giving/ and write giving/<file name> here", row=number, field="qr"))  # fmt: skip
        elif row.get("qr") and not (data / row["qr"]).is_file():
            problems.append(Problem(SOURCE, f"找不到图片 data/{row['qr']}，请把收款码图片放在那里，或改正文件名",
                                    f"data/{row['qr']} does not exist; put the QR image there or correct the name",
                                    row=number, field="qr", value=row["qr"]))  # fmt: skip
    return problems


class GivingGenerator(Generator):
    """Gives each open project its ways to give, then writes its pledge form in every edition."""

    def generate_context(self) -> None:
        settings = self.settings
        rows = self.rows = self.context.get("data", {}).get("giving", [])
        self.data = Path(settings["DATA_PACKAGE"]).parent
        for problem in row_problems(rows, self.data):
            report(logger, problem)
        editions = self.context.get("editions", {})
        names: dict[str, dict[str, str]] = {}
        for lang, edition in editions.items():
            for project in edition["projects"]:
                names.setdefault(project.slug, {})[lang] = project.title
        for lang, edition in editions.items():
            for project in edition["projects"]:
                open_ = project.status == "open"
                project.giving = ways_for(rows, project.slug, names[project.slug], lang, settings["DEFAULT_LANG"]) if open_ else []  # fmt: skip
                url = settings["PLEDGE_URL"].format(slug=project.slug)
                project.pledge_url = edition_path(lang, url, settings) if project.giving else None

    def generate_output(self, writer) -> None:
        settings = self.settings
        for image in sorted({row["qr"] for row in self.rows if row.get("qr")}):
            if (self.data / image).is_file():
                (Path(writer.output_path) / image).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(self.data / image, Path(writer.output_path) / image)
        for lang, edition in self.context.get("editions", {}).items():
            for project in edition["projects"]:
                if project.giving:
                    writer.write_file(
                        edition_path(lang, settings["PLEDGE_SAVE_AS"].format(slug=project.slug), settings),
                        self.get_template("pledge"),
                        self.context,
                        relative_urls=settings["RELATIVE_URLS"],
                        template_name="pledge",
                        project=project,
                        lang=lang,
                    )


def _generators(pelican) -> type[Generator]:
    return GivingGenerator


# Its generator reads the projects the data pages have made.
_order = check_order("plugins.giving", ("plugins.datapages",), "捐赠方式要加到数据页生成的捐赠项目上",
                     "the ways to give are added to the projects the data pages make")  # fmt: skip


def register() -> None:
    signals.initialized.connect(_order)
    signals.get_generators.connect(_generators)
