"""Reading what offices export from spreadsheets: CSV in UTF-8 (with or without Excel's BOM)
or GB18030, and .xlsx workbooks. Garbled text (mojibake) is refused, never guessed at.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from pathlib import Path

from core.problems import Problem

_CJK = re.compile(r"[\u4e00-\u9fff]")


def decode(raw: bytes, label: str, problems: list[Problem], notes: list[Problem]) -> str | None:
    """The text of a CSV file's bytes. Excel's BOM and GB18030 are read and noted; mojibake and
    undecodable bytes are problems (None is returned)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        notes.append(
            Problem(
                label,
                "文件带 BOM（Excel 另存的 UTF-8），已正常读取",
                "has a BOM (UTF-8 from Excel); read as usual",
                kind="encoding",
            )
        )
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            problems.append(Problem(
                label,
                "既不是 UTF-8 也不是 GB18030 编码，无法读取；请在 Excel 中另存为“CSV UTF-8（逗号分隔）”",
                "is neither UTF-8 nor GB18030; save it from Excel as 'CSV UTF-8 (comma delimited)'",
                kind="encoding",
            ))  # fmt: skip
            return None
        notes.append(
            Problem(
                label,
                "文件是 GB18030（GBK）编码，已按此读取；建议另存为 CSV UTF-8",
                "is in GB18030 (GBK); read as such; saving it as CSV UTF-8 is better",
                kind="encoding",
            )
        )
    garbled = find_mojibake(text)
    if garbled:
        problems.append(Problem(
            label,
            "含有乱码，文件可能被用错误的编码打开后又保存了；请从原始表格重新导出为 CSV UTF-8",
            "holds garbled text: it was opened in the wrong encoding and saved; export it again as CSV UTF-8",
            value=garbled,
            kind="mojibake",
        ))  # fmt: skip
        return None
    return text


def find_mojibake(text: str) -> str | None:
    """A sample of garbled text, if the text is UTF-8 that was once read in another encoding.

    Such text turns back into fewer, real characters when encoded the wrong way again and
    read as UTF-8 ("鍖椾含" -> "北京"); genuine Chinese almost never does.
    """
    sample = text[:20_000].rsplit("\n", 1)[0] if len(text) > 20_000 else text
    if "\ufffd" in sample or "锟斤拷" in sample:
        return _first_non_ascii(sample)
    for encoding in ("gb18030", "cp1252", "latin-1"):
        try:
            repaired = sample.encode(encoding).decode("utf-8")
        except UnicodeError:
            continue
        if len(repaired) < len(sample) and (encoding != "gb18030" or _CJK.search(repaired)):
            return _first_non_ascii(sample)
    return None


def _first_non_ascii(text: str) -> str:
    start = next((i for i, ch in enumerate(text) if ord(ch) > 127), 0)
    return text[start : start + 8]


def read_rows(path: Path, problems: list[Problem], notes: list[Problem]) -> list[list[str]]:
    """All rows of a .csv or .xlsx file as text cells (header included)."""
    label = path.name
    if path.suffix.lower() == ".xlsx":
        return _xlsx_rows(path)
    try:
        raw = path.read_bytes()
    except OSError:
        problems.append(
            Problem(label, "文件不存在，请检查文件名", "does not exist; check the file name", kind="file")
        )
        return []
    text = decode(raw, label, problems, notes)
    return list(csv.reader(io.StringIO(text, newline=""))) if text is not None else []


def _xlsx_rows(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook  # only imports that read workbooks need it

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        return [[_cell_text(v) for v in row] for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def _cell_text(value) -> str:
    """A cell as the person saw it: dates as 1998-07-01, whole numbers without .0."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a mobile typed as a number arrives as 13912345678.0
    return str(value).strip()
