"""The old names of colleges (COLLEGE_RENAMES in pelicanconf.py), each read as its current one.

A college renamed or merged (计算机系 became 计算机学院, then part of 信息学院) keeps sending lists
under a name the register no longer writes. Read as written, such a list's rows are a college
of their own: everyone in it without a mobile or e-mail the register knows would be added a
second time. The import reads each old name as the current one before matching.

Names are compared whatever their writing: traditional or simplified characters, full-width or
plain forms, spaces (計算機系 is 计算机系). A target the register does not know, an old name
that leads back to itself or is given two targets, or an old name the register still holds
records under, would each file people under the wrong college: an import that meets such a
name (in --college, the college column or the title) is refused, naming the setting's line.
An entry a list does not use stops nothing: a setting written for one college's lists does
not stand in the way of another's.
"""

from __future__ import annotations

import ast
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from core.problems import Problem, ProblemsFound
from core.site import SETTINGS_FILE, site_settings
from core.values import simplified

SETTING = "COLLEGE_RENAMES"
_SHAPE = (
    '应当写成 {"旧名": "现名", …}，如 {"计算机系": "计算机学院"}，请改正',
    'must be written {"old name": "current name", …}, such as {"计算机系": "计算机学院"}: correct it',
)


@lru_cache(maxsize=4096)  # a list repeats its few college names on every row
def college_key(name: str) -> str:
    """A college's name as names are compared here: 計算機系, 计算机系 and ｢计算机 系｣ are one."""
    text = unicodedata.normalize("NFKC", name)
    return "".join((text if text.isascii() else simplified(text)).split()).casefold()


@dataclass(frozen=True)
class Rename:
    """One entry of the setting: an old name, the name it became, and the line that says so."""

    old: str
    new: str
    line: int | None = None


def read_renames(settings_file: Path = SETTINGS_FILE) -> list[Rename]:
    """The setting's entries in the order written, each with its line of the settings file;
    ProblemsFound if it is not a mapping of names to names."""
    value = site_settings(settings_file).get(SETTING, {})
    lines, at = _lines(settings_file)
    label = settings_file.name
    if not isinstance(value, Mapping):
        raise ProblemsFound([Problem(label, *_SHAPE, line=at, field=SETTING, kind="setting")])
    problems, renames = [], []
    for old, new in value.items():
        line = lines.get(old.strip(), at) if isinstance(old, str) else at
        if not (isinstance(old, str) and isinstance(new, str) and old.strip() and new.strip()):
            problems.append(
                Problem(label, *_SHAPE, line=line, field=SETTING, value=repr(old), kind="setting")
            )
        else:
            renames.append(Rename(old.strip(), new.strip(), line))
    if problems:
        raise ProblemsFound(problems)
    return renames


def _lines(settings_file: Path) -> tuple[dict[str, int], int | None]:
    """The line of each old name written in the setting, and the setting's own line: what the
    problems name, so an editor finds the entry."""
    try:
        tree = ast.parse(settings_file.read_bytes())
    except (OSError, SyntaxError, ValueError):  # the settings ran, so this is no more than a guess lost
        return {}, None
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []  # fmt: skip
        if any(isinstance(t, ast.Name) and t.id == SETTING for t in targets):
            keys = node.value.keys if isinstance(node.value, ast.Dict) else []
            found = {
                k.value: k.lineno for k in keys if isinstance(k, ast.Constant) and isinstance(k.value, str)
            }
            return {old.strip(): line for old, line in found.items()}, node.lineno
    return {}, None


@dataclass
class CollegeNames:
    """The current name of each old one (by `college_key`), and the old names this import read."""

    current: dict[str, str] = field(default_factory=dict)
    read: dict[str, str] = field(default_factory=dict)  # an old name as the list wrote it -> its current one
    blocked: dict[str, Problem] = field(default_factory=dict)  # an entry that cannot be followed, by old name
    writing: dict[str, str] = field(default_factory=dict)  # each known college as the register writes it

    def __call__(self, name: str) -> str:
        """The college a name written in a list is now, as the register writes it (信息學院 and
        信息 学院 are its 信息学院). ProblemsFound for an old name whose entry cannot be followed."""
        if not name or not (self.current or self.blocked or self.writing):
            return name
        key = college_key(name)
        if key in self.blocked:
            raise ProblemsFound([self.blocked[key]])
        new = self.current.get(key)
        if new is None:
            return self.writing.get(key, name)
        self.read.setdefault(name, new)
        return new

    def in_title(self, named: str) -> str:
        """The college a title names now: 示例大学计算机系 ends in the old name 计算机系."""
        key = college_key(named)
        for old in self.blocked:
            if key.endswith(old):
                raise ProblemsFound([self.blocked[old]])
        for old, new in self.current.items():
            if key.endswith(old):
                self.read.setdefault(named, new)
                return new
        return named

    def note(self, label: str, settings: str) -> Problem | None:
        """The one note of a file saying which names were read as which, if any were."""
        if not self.read:
            return None
        zh = "、".join(f"“{old}”读作“{new}”" for old, new in self.read.items())
        en = ", ".join(f"“{old}” as “{new}”" for old, new in self.read.items())
        return Problem(label, f"院系的旧名已按 {settings} 的 {SETTING} 读作现名：{zh}；如有不对，请改正这一设置后再导入",
                       f"old names of colleges were read as their current names by {SETTING} in {settings}: {en}; if one is wrong, correct the setting and import again",
                       kind="college")  # fmt: skip


def college_names(
    renames: Iterable[Rename], colleges: Counter[str], given: str, settings: str
) -> CollegeNames:
    """Each old name's current one, followed through names renamed twice (计算机系 -> 计算机学院 ->
    信息学院), written as the register writes it. colleges: the register's colleges and their
    records; given: the --college of the import, known too (the first list of a new college).
    An entry that cannot be followed to a college the register knows (once it holds any), or
    whose old name the register still files records under, is blocked: the import refuses the
    list only if it gives that old name."""
    steps: dict[str, Rename] = {}
    blocked: dict[str, Problem] = {}
    for rename in renames:
        old, new = college_key(rename.old), college_key(rename.new)
        if old == new:
            continue  # one name written two ways: compared alike anyway
        if old in steps and college_key(steps[old].new) != new:
            first = steps[old]
            blocked.setdefault(old, _problem(settings, rename, f"与第 {first.line} 行重复，那里读作“{first.new}”，这里读作“{rename.new}”：请只留下对的一项",
                                             f"repeats line {first.line}, which reads it as “{first.new}”, not “{rename.new}”: keep only the right one"))  # fmt: skip
            continue
        steps.setdefault(old, rename)
    held: Counter[str] = Counter()
    for name, count in colleges.items():
        held[college_key(name)] += count
    # The register's own writing of each college; --college too, unless it is an old name itself.
    known = {college_key(name): name for name in colleges if name}
    if given and college_key(given) not in steps:
        known.setdefault(college_key(given), given)
    current: dict[str, str] = {}
    for old, rename in steps.items():
        if old in blocked:
            continue
        path, key = [old], college_key(rename.new)
        while key in steps and key not in path and key not in blocked:
            path.append(key)
            key = college_key(steps[key].new)
        if key in blocked:  # leads to an entry that cannot be followed: refused as that one is
            blocked[old] = blocked[key]
        elif key in path:  # back to a name already passed: a circle, named at its first entry
            circle = path[path.index(key) :]
            first = min((steps[k] for k in circle), key=lambda r: r.line or 0)
            names = " → ".join([*(steps[k].old for k in circle), steps[circle[0]].old])
            blocked[old] = _problem(settings, first, f"的改名绕回了自己（{names}），读不出现名：请删去其中写反或写错的一项，让每个旧名都通向登记册中的院系",
                                    f"goes round in a circle ({names}), so no current name can be read: remove the entry written the wrong way round, so that every old name leads to a college of the register")  # fmt: skip
        elif key not in known and colleges:  # a register without records yet has nothing to check against
            last = steps[path[-1]]  # the entry that names the unknown college
            blocked[old] = _problem(settings, last, f"改作的“{last.new}”不是登记册中的院系{_known(colleges)}：请写登记册中写的现名，或删去这一项",
                                    f"is read as “{last.new}”, which is no college of the register{_known(colleges, en=True)}: write the current name as the register writes it, or remove the entry")  # fmt: skip
        elif held[old]:
            blocked[old] = _problem(settings, rename, f"读作“{known[key]}”，但登记册中仍有 {held[old]} 条记录的院系写作“{rename.old}”，导入会把其中的人再添加一次，整个文件未导入：请先在 data/private/register.csv 中把这些记录的院系改为“{known[key]}”，或删去这一项，再导入",
                                    f"is read as “{known[key]}”, but {held[old]} record{'s' if held[old] > 1 else ''} of the register still give the college as “{rename.old}”, and the import would add those people again, so nothing was imported: first change their college to “{known[key]}” in data/private/register.csv, or remove the entry, and import again")  # fmt: skip
        else:
            current[old] = known.get(key) or steps[path[-1]].new
    return CollegeNames(current, blocked=blocked, writing=known)


def _problem(settings: str, rename: Rename, zh: str, en: str) -> Problem:
    return Problem(settings, zh, en, line=rename.line, field=SETTING, value=rename.old, kind="setting")


def _known(colleges: Iterable[str], en: bool = False) -> str:
    """The register's colleges, for a sentence: a few, enough to see the right writing."""
    names = sorted(colleges)
    shown = ("、" if not en else ", ").join(names[:8]) + ("…" if len(names) > 8 else "")
    return f" (it has {shown})" if en else f"（登记册中有：{shown}）"
