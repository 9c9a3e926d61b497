"""Every table the product reads or writes, through one door: CSV files (and .xlsx on the way in).

One encoding policy. Reading takes UTF-8, UTF-8 with Excel's BOM and GB18030 (what Chinese
Excel saves), and for lists sent in, Big5 and UTF-16 with or without its BOM; says which it found, and refuses garbled text (mojibake) and undecodable bytes
with a sentence rather than guessing. Writing is UTF-8, with a BOM only for files handed to
people to open by double-click (reports, downloads), so Excel shows the Chinese.

One quoting and line-ending rule: the csv module's minimal quoting, lines ending in "\\n".

One formula guard. A cell that starts with = + - @ (or a tab or carriage return) is a formula
to a spreadsheet, so every CSV written here stores it behind an apostrophe, as spreadsheets
themselves mark text ("'=1+1"); a cell that already starts with an apostrophe gets a second
one. Each line of a cell of several lines is guarded alike: Excel's text import, and every
tool that reads a file line by line, split a cell at its line ends, and a message's second line
"=HYPERLINK(…)" then starts a cell of its own. Every CSV read here takes those apostrophes off
again, so what people typed is what the site, the register and the review show, and the guard is
never seen outside a spreadsheet. restore(neutralise(v)) == v for every v.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import functools
import io
import itertools
import logging
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from core import files
from core.problems import Problem, ProblemsFound

logger = logging.getLogger(__name__)

# A cell starting with one of these is a formula to a spreadsheet; a leading ' makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")
_GUARDED = frozenset(FORMULA_STARTS)
_LINE_TO_GUARD = re.compile(r"(?:^|(?<=[\r\n]))(?=[=+\-@\t\r'])")
_GUARDED_LINE = re.compile(r"(?:^|(?<=[\r\n]))'(?=[=+\-@\t\r'])")
BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Excel's "Unicode 文本" (Unicode text)
ZIP = b"PK\x03\x04"  # an .xlsx, whatever its name
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an old .xls, or a workbook encrypted with a password
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")  # the stream an encrypted .xlsx is held in
_WORKBOOKS = (".xlsx", ".xlsm", ".xls", ".et", ".ods", ".numbers")  # names of files that are not text
# The comma first (it wins a tie); tabs for Excel's text, semicolons from a comma-decimal locale.
_SEPARATORS = (",", "\t", ";")
_SNIFFED = 10  # lines looked at for the separator: as many as the import looks at for its header
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CHUNK = 1 << 20
_SAMPLE = 20_000  # characters enough to tell garbled text


@dataclass
class Table:
    """The rows of a file as text cells (header first), and notes on how it was read."""

    rows: list[list[str]]
    notes: list[Problem] = field(default_factory=list)


def neutralise(value: str) -> str:
    """Make a value inert in a spreadsheet: '=cmd()' is stored as "'=cmd()", and each of its
    lines alike: "好\\n=cmd()" as "好\\n'=cmd()"."""
    if "\n" in value or "\r" in value:
        return _LINE_TO_GUARD.sub("'", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def restore(value: str) -> str:
    """The value as it was typed: the inverse of neutralise."""
    if "\n" in value or "\r" in value:
        return _GUARDED_LINE.sub("", value)
    return value[1:] if value[:1] == "'" and value[1:2] and value[1:2] in FORMULA_STARTS else value


def _guarded(cell: str) -> bool:
    """Whether a cell as stored may hold a guard to take off: at its start, or a line's."""
    return cell[:1] == "'" or ("\n'" in cell or "\r'" in cell)


def decode(raw: bytes, label: str, ours: bool = False) -> tuple[str, list[Problem]]:
    """The text of a CSV file's bytes and notes on its encoding; ProblemsFound for bytes that are
    not text in any encoding we accept, or text garbled by a wrong encoding once. ours: a file
    the product wrote (the inbox, the register), whose text is what people sent, looked at as it
    is: no guess at garbling, which anyone could otherwise trigger with one value."""
    for encoding in ("utf-8-sig",) if raw.startswith(BOM) else ("utf-8", "gb18030"):
        try:
            text = raw.decode(encoding).removeprefix("\ufeff")  # GB18030's own BOM: 84 31 95 33
        except UnicodeDecodeError:
            continue
        return text, _said(encoding, "" if ours else text[:_SAMPLE], label)
    raise _undecodable(label)


def _said(encoding: str, sample: str, label: str) -> list[Problem]:
    """Notes on the encoding a file was read in; ProblemsFound if its sample of text is garbled."""
    garbled = find_mojibake(sample) if sample else None
    if garbled:
        raise ProblemsFound([Problem(
            label,
            "含有乱码，文件可能被用错误的编码打开后又保存了；请从原始表格重新导出为 CSV UTF-8",
            "holds garbled text: it was opened in the wrong encoding and saved; export it again as CSV UTF-8",
            value=garbled,
            kind="mojibake",
        )])  # fmt: skip
    if encoding == "utf-8-sig":
        return [Problem(label, "文件带 BOM（Excel 另存的 UTF-8），已正常读取", "has a BOM (UTF-8 from Excel); read as usual", kind="encoding")]  # fmt: skip
    if encoding.startswith("utf-16"):
        return [Problem(label, "文件是 UTF-16（Excel 的“Unicode 文本”），已按此读取", "is UTF-16 (Excel's Unicode text); read as such", kind="encoding")]  # fmt: skip
    if encoding == "big5":
        return [Problem(label, "文件是 Big5（繁体中文）编码，已按此读取；建议另存为 CSV UTF-8",
                        "is in Big5 (traditional Chinese); read as such; saving it as CSV UTF-8 is better", kind="encoding")]  # fmt: skip
    if encoding == "gb18030":
        return [Problem(label, "文件是 GB18030（GBK）编码，已按此读取；建议另存为 CSV UTF-8",
                        "is in GB18030 (GBK); read as such; saving it as CSV UTF-8 is better", kind="encoding")]  # fmt: skip
    return []


def _undecodable(label: str) -> ProblemsFound:
    return ProblemsFound([Problem(
        label,
        "既不是 UTF-8 也不是 GB18030 编码，无法读取；请在 Excel 中另存为“CSV UTF-8（逗号分隔）”",
        "is neither UTF-8 nor GB18030; save it from Excel as 'CSV UTF-8 (comma delimited)'",
        kind="encoding",
    )])  # fmt: skip


def _sniff(path: Path, label: str, ours: bool) -> tuple[str, list[Problem], bool]:
    """A CSV file's encoding, the notes on it, and whether it holds an apostrophe (a formula guard
    to take off). Read in chunks, so a file of any size is checked without being held. ours: as
    in `decode`."""
    try:
        with path.open("rb") as file:
            start = file.read(_CHUNK)
            bom = start.startswith(BOM)
            wide = start[:2] in UTF16_BOMS
            candidates = ("utf-8-sig",) if bom else ("utf-16",) if wide else _without_bom(start, ours)
            for encoding in candidates:
                file.seek(0)
                decoder, sample, quoted = codecs.getincrementaldecoder(encoding)(), "", False
                try:
                    while chunk := file.read(_CHUNK):
                        text = decoder.decode(chunk)
                        quoted = quoted or "'" in text
                        if len(sample) < _SAMPLE and not ours:
                            sample += text[: _SAMPLE - len(sample)]
                    decoder.decode(b"", final=True)
                except UnicodeDecodeError:
                    continue
                return encoding, _said(encoding, sample, label), quoted
    except OSError:
        raise ProblemsFound([Problem(label, "文件不存在或无法读取，请检查文件名", "does not exist or cannot be read; check the file name", kind="file")]) from None  # fmt: skip
    raise _undecodable(label)


def _without_bom(start: bytes, ours: bool) -> tuple[str, ...]:
    """The encodings to try for a file without a BOM, from its first bytes: UTF-16 that lost its
    BOM (a NUL after nearly every ASCII character: Chinese text without one has none), else UTF-8,
    then GB18030, or Big5 (traditional Chinese, from Hong Kong, Macao or Taiwan) first when read
    as GB18030 the bytes are mostly symbols and kana rather than Chinese. Our own files are UTF-8,
    or GB18030 once Excel saved them."""
    if ours:
        return ("utf-8", "gb18030")
    nuls = start.count(0)
    if nuls and nuls * 3 >= len(start) // 2:  # UTF-16: over a third of its code units ASCII
        odd = sum(1 for i in range(1, len(start), 2) if start[i] == 0)
        return ("utf-16-le",) if odd * 10 >= nuls * 9 else ("utf-16-be",) if odd * 10 <= nuls else ()
    try:
        start.decode("utf-8")
        return ("utf-8", "gb18030")
    except UnicodeDecodeError as error:
        if error.start >= len(start) - 3:  # a character cut at the end of the first chunk
            return ("utf-8", "gb18030")
    head = start[: start.rfind(b"\n") + 1] or start
    if (
        _chinese_share(head.decode("gb18030", "replace"))
        < 0.8
        <= _chinese_share(head.decode("big5", "replace"))
    ):
        return ("big5", "gb18030")
    return ("gb18030", "big5")


def _chinese_share(text: str) -> float:
    """How much of a text's non-ASCII characters is Chinese or its punctuation: nearly all, in
    text read in its own encoding; about half, in Big5 read as GB18030."""
    wide = [c for c in text if ord(c) > 0x7F]
    return sum(1 for c in wide if _CHINESE.match(c)) / len(wide) if wide else 1.0


_CHINESE = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\u3000-\u303f\uff00-\uffef\u2010-\u2027\u00b7]")


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
    return text[start : start + 8].split("\n")[0]


def reader(text: str) -> Iterator[list[str]]:
    """The rows of a CSV text, each cell as it was typed (the formula guard taken off)."""
    rows = csv.reader(_lines(text))
    return _restored(rows) if "'" in text else rows


def _lines(text: str) -> Iterator[str]:
    """The lines of a text, ends kept, as csv.reader wants them (io.StringIO would copy the text
    four bytes a character)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def _restored(rows: Iterator[list[str]]) -> Iterator[list[str]]:
    return ([restore(cell) for cell in row] if any(_guarded(c) for c in row) else row for row in rows)


def read_rows(path: Path, label: str | None = None) -> Table:
    """Every row of a .csv or .xlsx file as text cells, header included."""
    rows, notes = iter_rows(path, label)
    return Table(list(rows), notes)


def iter_rows(
    path: Path, label: str | None = None, ours: bool = False
) -> tuple[Iterator[list[str]], list[Problem]]:
    """The rows of a .csv or .xlsx file one at a time, and notes on how it was read; a file that
    cannot be read at all is ProblemsFound at once, before the first row. ours: see `decode`."""
    label = label or path.name
    kind = _content(path)
    if kind == "xlsx" or (not kind and path.suffix.lower() in (".xlsx", ".xlsm")):
        return _xlsx_rows(path, label), _renamed(path, label)
    if kind == "encrypted":  # an old .xls renamed .xlsx is no workbook with a password
        raise ProblemsFound([Problem(
            label,
            "设有打开密码（已加密），无法读取：请在 Excel 中打开，去掉密码（文件 > 信息 > 保护工作簿 > 用密码进行加密，清空密码），保存后再导入",
            "is protected with a password (encrypted): remove the password in Excel (File > Info > Protect Workbook > Encrypt with Password, clear it), save, and import again",
            kind="file",
        )])  # fmt: skip
    if kind == "html":
        raise ProblemsFound([Problem(
            label,
            "是网页（HTML）格式的表格（有些系统导出的 .xls 就是这样），无法读取；请在 Excel 中打开，另存为 .xlsx 或“CSV UTF-8（逗号分隔）”后再导入",
            "is a web page (HTML) table, as some systems export under .xls; open it in Excel, save it as .xlsx or 'CSV UTF-8 (comma delimited)', and import that",
            kind="file",
        )])  # fmt: skip
    if kind == "ole2" or (kind != "text" and path.suffix.lower() in (".xls", ".et", ".ods", ".numbers")):
        raise ProblemsFound([Problem(
            label,
            "是旧版或其他软件的表格格式，无法读取；请在 Excel 或 WPS 中另存为 .xlsx 或“CSV UTF-8（逗号分隔）”后再导入",
            "is in an old or foreign spreadsheet format; save it from Excel or WPS as .xlsx or 'CSV UTF-8 (comma delimited)' and import that",
            kind="file",
        )])  # fmt: skip
    encoding, notes, quoted = _sniff(path, label, ours)
    if path.suffix.lower() in _WORKBOOKS:  # text under a workbook's name: an export, renamed
        notes.append(Problem(label, f"其实是文本（CSV）文件（扩展名是 {path.suffix}），已按 CSV 读取",
                             f"is a text (CSV) file under the name {path.suffix}; read as CSV", kind="encoding"))  # fmt: skip

    def rows() -> Iterator[list[str]]:
        with path.open(encoding=encoding, newline="") as text:
            # Our own files are CSV. A list's separator is the one its first line with any holds
            # most of (a title above the header may hold none); a list typed with a Chinese input
            # method may have none but the full-width comma.
            lines = [] if ours else [text.readline() for _ in range(_SNIFFED)]
            text.seek(0)
            if text.read(1) != "\ufeff":  # GB18030's own BOM (84 31 95 33), which WPS writes
                text.seek(0)
            first = next((line for line in lines if any(s in line for s in _SEPARATORS)), None)
            if first is not None:
                separator = max(_SEPARATORS, key=first.count)
            else:
                separator = "，" if any("，" in line for line in lines) else ","
            found = csv.reader(text, delimiter=separator)
            line = 1  # where the row being read starts
            try:
                for row in _restored(found) if quoted else found:
                    yield row
                    line = found.line_num + 1
            except csv.Error:
                raise _unmatched_quote(label, line) from None

    return rows(), notes


def _unmatched_quote(label: str, line: int) -> ProblemsFound:
    """A CSV file the csv module gives up on: with `newline=""`, only for a cell grown past its
    limit (128 KB), which in a list means a double quote never closed."""
    return ProblemsFound([Problem(
        label,
        "从这一行起的一格超过 128 KB，无法读取：多半是一个没有配对的双引号（\"）把后面的内容都读成了一格；请删去这个双引号或补上另一个后再导入",
        "has a cell from this line on of more than 128 KB and cannot be read: most likely a double quote (\") is never closed and everything after it reads as one cell; remove the quote or close it, and import again",
        line=line,
        kind="file",
    )])  # fmt: skip


def _content(path: Path) -> str:
    """What a file holds by its first bytes, whatever its name: "xlsx", "encrypted" (a workbook
    with a password), "ole2" (an old .xls), "html" (a web page's table), "text" (no NUL byte in
    its first 4 KB, or UTF-16 with its BOM), or "" (nothing, or a file that is not there)."""
    try:
        with path.open("rb") as file:
            start = file.read(4096)
    except OSError:
        return ""
    if start.startswith(ZIP):
        return "xlsx"
    if start.startswith(OLE2):
        with path.open("rb") as file:
            return "encrypted" if _ENCRYPTED in file.read() else "ole2"
    if start[:2] in UTF16_BOMS:
        return "text"
    if not start or b"\0" in start:
        return ""
    opening = start.removeprefix(BOM).lstrip()[:100].lower()
    return "html" if opening.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")) else "text"


def is_workbook(path: Path) -> bool:
    """Whether a file is read as an .xlsx workbook: by its content (an .xlsx renamed .xls or .csv
    is one), or by its name when its content is no other known kind."""
    kind = _content(path)
    return kind == "xlsx" or (not kind and path.suffix.lower() in (".xlsx", ".xlsm"))


def _renamed(path: Path, label: str) -> list[Problem]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return []
    return [Problem(label, "其实是 .xlsx 表格（扩展名不对），已按 .xlsx 读取", "is an .xlsx workbook under another name; read as .xlsx", kind="encoding")]  # fmt: skip


@dataclass
class Sheet:
    """One sheet of a workbook (a CSV file is one sheet without a name): its rows, read afresh
    each time `rows()` is called, and whether Excel hides it."""

    name: str | None
    rows: Callable[[], Iterator[list[str]]]
    hidden: bool = False


def iter_sheets(path: Path, label: str | None = None) -> tuple[list[Sheet], list[Problem]]:
    """Every sheet of a workbook, or the one of a CSV file, and notes on how it was read; a file
    that cannot be read at all is ProblemsFound at once."""
    label = label or path.name
    if not is_workbook(path):
        rows, notes = iter_rows(path, label)
        first = [rows]  # the rows already opened serve the first reading

        def again() -> Iterator[list[str]]:
            return first.pop() if first else iter_rows(path, label)[0]

        return [Sheet(None, again)], notes
    # Opened once for every sheet and reading: opening parses the shared strings, 0.9 s for a list
    # of 30,000 people, which the look for the header and the first reading each paid again. The
    # file is closed with the workbook, once the last Sheet is let go.
    book = _workbook(path, label)
    return [
        Sheet(sheet.title, _Kept(functools.partial(_xlsx_rows, path, label, sheet.title, book)),
              sheet.sheet_state != "visible")
        for sheet in book.worksheets
    ], _renamed(path, label)  # fmt: skip


# A sheet of at most this many rows is kept in memory once read through (about 1 KB a row of
# a register-sized list), so an import's later passes do not parse the workbook again: parsing
# is most of a workbook's import (5 s a pass for 30,000 rows here), where a CSV reads in a blink.
KEEP_ROWS = 100_000


class _Kept:
    """A workbook sheet's rows, read afresh until one reading goes through to the end, then
    served from memory (a sheet longer than KEEP_ROWS is read afresh every time)."""

    def __init__(self, read: Callable[[], Iterator[list[str]]]):
        self.read, self.rows = read, None

    def __call__(self) -> Iterator[list[str]]:
        return iter(self.rows) if self.rows is not None else self._reading()

    def _reading(self) -> Iterator[list[str]]:
        kept: list[list[str]] | None = []
        for row in self.read():
            if kept is not None:
                kept.append(row)
                if len(kept) > KEEP_ROWS:
                    kept = None
            yield row
        if kept is not None:
            self.rows = kept


def read_records(path: Path, label: str | None = None) -> list[dict[str, str]]:
    """The rows of one of our own CSV files as {column: value}; a file not yet written has none."""
    if not path.exists():
        return []
    return _records(iter_rows(path, label, ours=True)[0])


def parse_records(data: bytes, label: str) -> list[dict[str, str]]:
    """The rows of a CSV file's bytes (a file on a git branch, say) as {column: value}."""
    text, _ = decode(data, label, ours=True)
    return _records(reader(text))


def _records(rows: Iterator[list[str]]) -> list[dict[str, str]]:
    header = next(rows, None)
    if header is None:
        return []
    width = len(header)
    # Short rows read as empty cells, like csv.DictReader; a row of nothing is no record.
    return [dict(zip(header, row + [""] * (width - len(row)), strict=False)) for row in rows if any(row)]


class _Writer:
    """csv.writer with lines ending in \\n, which also quotes a cell holding a lone \\r: the csv
    module quotes only its line terminator's characters, and a \\r left bare ends the row for every
    reader, the csv module's own included (the file would no longer read)."""

    def __init__(self, out: IO[str]):
        self.out, self.writer = out, csv.writer(out, lineterminator="\n")

    def writerow(self, cells: Sequence[str]) -> None:
        if "\r" in "\x00".join(cells):
            self.out.write(",".join('"' + cell.replace('"', '""') + '"' for cell in cells) + "\n")
        else:
            self.writer.writerow(cells)


def line(cells: Iterable[object]) -> bytes:
    """One CSV line (UTF-8, ending in \\n), every cell made inert for spreadsheets."""
    out = io.StringIO()
    _Writer(out).writerow([neutralise(str(cell)) for cell in cells])
    return out.getvalue().encode("utf-8")


def _blocks(rows: Iterable[Sequence[object]], size: int = 1 << 20) -> Iterator[bytes]:
    """The rows as CSV lines (see `line`), a megabyte or so at a time."""
    out = io.StringIO()
    writer = _Writer(out)
    for cells in rows:
        writer.writerow([neutralise(str(cell)) for cell in cells])
        if out.tell() >= size:
            yield out.getvalue().encode("utf-8")
            out.seek(0), out.truncate()
    if out.tell():
        yield out.getvalue().encode("utf-8")


def _cells(header: Sequence[str], row: Sequence[object] | Mapping[str, object]) -> list[str]:
    cells = [row.get(name, "") for name in header] if isinstance(row, Mapping) else row
    cells = [cell if isinstance(cell, str) else "" if cell is None else str(cell) for cell in cells]
    return [
        neutralise(cell) if "\n" in cell or "\r" in cell else ("'" + cell) if cell[:1] in _GUARDED else cell
        for cell in cells
    ]  # neutralise, inline: a register has millions


def write_table(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[object] | Mapping[str, object]],
    for_people: bool = False,
    private: bool = True,
) -> None:
    """Replace a file in one step, synced (core/files.py): a crash leaves the old file or the
    new one, never half. Owner-only unless it is for the published site.
    for_people: a BOM first, so a double-click opens it in Excel as UTF-8. A mapping row is read
    by the header. Rows are written as they come: a large register is never held twice."""
    with files.replacing(path, private=private, encoding="utf-8-sig" if for_people else "utf-8") as out:
        writer = _Writer(out)
        writer.writerow(header)
        for row in rows:
            writer.writerow(_cells(header, row))


def append_row(
    path: Path, header: Sequence[str], cells: Sequence[object], seconds: float | None = None
) -> None:
    """Append one row durably (see append_rows)."""
    append_rows(path, header, [cells], seconds)


def append_rows(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[object]], seconds: float | None = None
) -> None:
    """Append rows durably (lock, one write, fsync), with the header first if the file is new.

    For files several processes may append to (the decision log, the register's history,
    attendee lists, published class notes): a row is never torn or interleaved, and is on disk
    when this returns; half a row a killed writer left is cut off first (`mend`). A new file is
    owner-only. seconds: how long to wait for another writer's lock (files.lock).
    """
    if not rows:
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        files.lock(fd, seconds)
        first = [header] if os.fstat(fd).st_size == 0 else []
        files.append_whole(fd, itertools.chain([mend(fd, str(path))], _blocks(itertools.chain(first, rows))))
        os.fsync(fd)
        if first:
            files.sync_folder(path.parent)
    finally:
        os.close(fd)


_PAGE = os.sysconf("SC_PAGE_SIZE")


def mend(fd: int, label: str) -> bytes:
    """What to write before new rows at the end of a CSV file of our own, open to read and write
    and held under its lock: nothing when it ends in a line end, as every writer that finished
    leaves it. One that does not was saved by hand without its last line end, or cut short by a
    writer killed mid-write (kill -9 stops a write between two pages): a last row that reads
    whole (the header's number of cells, no quote left open) gets its line end; part of one is
    cut off, as it was never acknowledged, and the rows written after it would read as part of
    it (after an open quote, every one of them). A kill cuts a write where a page of the file
    ends, so a file whose size is a whole number of pages was cut even when its last row reads
    whole (cut inside its last cell), and that row goes too."""
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return b""
    width, start = _last_row(fd, size)
    tail = os.pread(fd, size - start, start)
    try:
        last = list(csv.reader(_lines(tail.decode("utf-8") + "\n"), strict=True))
    except (UnicodeDecodeError, csv.Error):  # cut inside a character, a quote left open, a NUL
        last = []
    if not tail or (size % _PAGE and len(last) == 1 and len(last[0]) == width):
        return b"\n"
    os.ftruncate(fd, start)
    logger.warning(
        "%s: cut off the %d bytes of half a row a writer killed mid-write left at its end",
        label,
        size - start,
    )
    return b""


def _last_row(fd: int, size: int) -> tuple[int, int]:
    """The header's number of cells, and where the last row starts, in a file that does not end
    in a line end: read through once (a row may hold line ends inside quotes), as csv reads it."""
    read = 0

    def lines() -> Iterator[str]:
        nonlocal read
        buffer, position = b"", 0
        while position < size:
            chunk = os.pread(fd, min(1 << 20, size - position), position)
            if not chunk:
                break
            position += len(chunk)
            *whole, buffer = (buffer + chunk).split(b"\n")
            for line in whole:
                read += len(line) + 1
                yield line.decode("utf-8", "replace").replace("\0", "") + "\n"
        read += len(buffer)
        yield buffer.decode("utf-8", "replace").replace("\0", "")

    rows = csv.reader(lines())
    width, start = len(next(rows, [])), read
    for _ in rows:  # each row ends where the lines read so far end, the last at the file's end
        if read >= size:
            break
        start = read
    return width, start


def _workbook(path: Path, label: str):
    from openpyxl import load_workbook  # only imports that read workbooks need it

    try:
        # Given a name, openpyxl refuses an .xlsx named .xls or .csv by its suffix: its bytes then.
        named = path.suffix.lower() in (".xlsx", ".xlsm")
        return load_workbook(path if named else io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
    except FileNotFoundError:
        raise ProblemsFound([Problem(label, "文件不存在，请检查文件名", "does not exist; check the file name", kind="file")]) from None  # fmt: skip
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, TypeError, SyntaxError):
        # openpyxl raises these for an empty file, a file that is not a workbook, or a damaged one
        # (SyntaxError: XML that does not parse, such as cut document properties).
        raise _unreadable_workbook(label) from None


def workbook_saved(path: Path) -> datetime.datetime | None:
    """When a workbook says it was last saved (its document properties), if it says. Read from
    docProps/core.xml alone: loading the workbook would parse its shared strings (0.9 s for a
    list of 30,000 people) to learn one date."""
    from openpyxl.packaging.core import DocumentProperties
    from openpyxl.xml.functions import fromstring

    try:
        with zipfile.ZipFile(path) as book:
            saved = DocumentProperties.from_tree(fromstring(book.read("docProps/core.xml"))).modified
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, TypeError, SyntaxError):
        return None  # no properties, or damaged ones: the workbook says nothing
    return saved.replace(tzinfo=datetime.UTC) if saved and not saved.tzinfo else saved


class Cells(list):
    """A workbook row's cells as text, and what Excel shows of it besides: whether the row is
    hidden, which columns (0-based) of its sheet are hidden, and which cells hold a formula Excel
    never calculated."""

    hidden = False
    hidden_columns: frozenset[int] = frozenset()
    uncalculated: tuple[int, ...] = ()


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]+)([0-9]+):([A-Z]+)([0-9]+)"')
_UNCALCULATED = object()  # a formula cell without the value Excel keeps beside it


def _xlsx_rows(path: Path, label: str, sheet: str | None = None, book=None) -> Iterator[list[str]]:
    """The rows of one sheet (the first if none is named), numbered as Excel numbers them: rows
    the file leaves out come as empty rows. book: the workbook already open (left open after)."""
    workbook = book if book is not None else _workbook(path, label)

    def rows() -> Iterator[list[str]]:
        try:
            if workbook.worksheets:
                found = workbook[sheet] if sheet is not None else workbook.worksheets[0]
                yield from _sheet_rows(workbook, found)
        except Exception:  # a sheet damaged inside a sound zip fails only as it is read, in many ways
            raise _unreadable_workbook(label) from None
        finally:
            if book is None:
                workbook.close()

    return rows()


def _sheet_rows(workbook, sheet) -> Iterator[Cells]:
    """A sheet's rows read as openpyxl's read-only sheet reads them (its own parser), keeping
    what that sheet does not tell: which rows and columns are hidden, which formulas have no
    value (files written by report generators), and cells merged down a column, whose value every
    row of the merge gets. (openpyxl's full reader knows all but the formulas, but holds the whole
    workbook: hundreds of megabytes for a register-sized list.)"""
    from openpyxl.utils import column_index_from_string
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser  # pinned: requirements.txt

    class Parser(WorkSheetParser):
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                cell["value"] = _UNCALCULATED
            return cell

    down: dict[int, list[tuple[int, int]]] = {}  # first row -> (column, last row) of merges down a column
    with sheet._get_source() as source:
        tail = b""
        while chunk := source.read(_CHUNK):  # the merges come after the rows: found first by a scan
            for merge in _MERGE.finditer(tail + chunk):
                first, last = int(merge[2]), int(merge[4])
                if last > first:
                    down.setdefault(first, []).append((column_index_from_string(merge[1].decode()) - 1, last))
            tail = chunk[-200:]
    for merges in down.values():
        merges[:] = sorted(set(merges))
    with sheet._get_source() as source:
        parser = Parser(source, workbook.shared_strings, data_only=True, epoch=workbook.epoch,
                        date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats)  # fmt: skip
        expected, filling = 1, []  # filling: (column, last row, value) of the merges this row is in
        hidden = None  # the hidden columns: <cols> comes before the rows, so known at the first
        for number, cells in itertools.chain(parser.parse(), [(None, None)]):
            if hidden is None:
                hidden = _hidden_columns(parser.column_dimensions)
            for missing in range(expected, number or expected):
                empty = _merged(Cells(), missing, filling)
                empty.hidden_columns = hidden
                yield empty
            if number is None:
                return
            expected = number + 1
            row, uncalculated = Cells(), []
            for cell in cells:
                row.extend([""] * (cell["column"] - 1 - len(row)))
                if cell["value"] is _UNCALCULATED:
                    uncalculated.append(len(row))
                row.append("" if cell["value"] is _UNCALCULATED else _cell_text(cell["value"]))
            for column, last in down.get(number, ()):
                filling.append((column, last, row[column] if column < len(row) else ""))
            row = _merged(row, number, filling)
            while row and not row[-1]:
                row.pop()
            row.hidden = parser.row_dimensions.get(str(number), {}).get("hidden") in ("1", "true")
            row.hidden_columns = hidden
            row.uncalculated = tuple(uncalculated)
            yield row


def _hidden_columns(dimensions: dict[str, dict[str, str]]) -> frozenset[int]:
    """The 0-based columns a sheet's <col min= max= hidden="1"> elements hide (one element may
    hide a range: max="16384" hides every column to the sheet's edge)."""
    hidden: set[int] = set()
    for attributes in dimensions.values():
        if attributes.get("hidden") in ("1", "true"):
            try:
                first = int(attributes["min"])
                hidden.update(range(first - 1, int(attributes.get("max") or first)))
            except (KeyError, ValueError):
                continue  # a damaged element hides nothing we can name
    return frozenset(hidden)


def _merged(row: Cells, number: int, filling: list[tuple[int, int, str]]) -> Cells:
    """The row with the value of each merge down a column it is in."""
    filling[:] = [(column, last, value) for column, last, value in filling if last >= number]
    for column, _, value in filling:
        row.extend([""] * (column + 1 - len(row)))
        row[column] = row[column] or value
    return row


def _unreadable_workbook(label: str) -> ProblemsFound:
    return ProblemsFound([Problem(
        label,
        "不是有效的 .xlsx 表格（文件为空、已损坏或其实是别的格式）；请在 Excel 或 WPS 中打开并另存为 .xlsx 后再导入",
        "is not a readable .xlsx workbook (empty, damaged or another format); open it in Excel or WPS, save it as .xlsx and import that",
        kind="file",
    )])  # fmt: skip


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
