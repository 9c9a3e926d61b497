"""Form definitions (forms/*.yaml): read once, checked, and shared by the build and the handler."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from core import tables
from core.problems import Problem, ProblemsFound

TYPES = ("text", "textarea", "email", "tel", "date", "year", "number", "choice", "checkbox", "photos")
FORM_KEYS = {"version", "title", "intro", "consent", "fields"}
FIELD_KEYS = {
    "name", "type", "label", "help", "required", "required_if", "private", "min_length",
    "max_length", "pattern", "min", "max", "choices", "choices_from", "autocomplete", "group",
    "max_files", "max_mb", "describes",
}  # fmt: skip
CHOICE_SOURCES = ("events",)
NAME = re.compile(r"[a-z][a-z0-9_]*")
FORM_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
# What people type for a mobile: 138 0000 0000, +86-138…, or +44 7700 900123. The handler
# removes spaces, dashes and brackets, then wants 11 digits from 1, or + and 7–15 digits.
TEL_PATTERN = r"(\+86|0086)?( |-)?1[3-9]([0-9]|( |-)){9,13}|\+[1-9]([0-9]|( |-)|\(|\)){6,20}"
# What a photos field takes (forms/photos.py decodes each one): the names phones and cameras give.
# .jfif and .jpe: JPEGs as Windows saves them from the web, offered by a file input for image/jpeg.
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".jfif", ".jpe", ".png", ".webp", ".heic", ".heif")
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic", "image/heif")
MAX_PHOTOS, MAX_PHOTO_MB = 10, 50  # the most a definition may allow: each photo is decoded in memory
HONEYPOT = "website"  # a field people never see; bots fill it in
CONSENT = "consent"
# An inbox file's own columns, before the form's: the handler writes them, the build checks them.
BOOKKEEPING = ["id", "received", "form_version"]
FIRST_LINE = 64 * 1024  # bytes read for an inbox file's first line; a header is a few hundred
STALE_VERSION = "version"  # the kind of problem of an inbox file whose form changed but not its version


@dataclass(frozen=True)
class Text:
    """Words shown to alumni, in both languages."""

    zh: str
    en: str


@dataclass(frozen=True)
class Choice:
    value: str
    label: Text


@dataclass(frozen=True)
class Field:
    """One field of a form: what it holds, its limits, its words, whether it is private."""

    name: str
    type: str
    label: Text
    help: Text | None = None
    required: bool = False
    required_if: tuple[str, str] | None = None  # (other field, value)
    private: bool = False
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    min: str | int | None = None
    max: str | int | None = None
    choices: tuple[Choice, ...] = ()
    choices_from: str | None = None
    closed: tuple[tuple[str, Text], ...] = ()  # choices_from values that cannot be chosen now, and why
    autocomplete: str | None = None
    group: Text | None = None  # the heading of the fieldset it is shown in, with its neighbours
    max_files: int = 3  # photos: how many may be sent
    max_mb: int | float = 10  # photos: the largest file taken, in megabytes
    describes: str | None = None  # the photos field whose alt text this field is

    @property
    def input_type(self) -> str:
        """The HTML input type; years and numbers use the numeric keyboard."""
        return {"year": "number", "text": "text", "choice": "select", "photos": "file"}.get(
            self.type, self.type
        )

    @property
    def accept(self) -> str:
        """What a photos field's file input offers to choose (the handler decides what it takes)."""
        return ",".join(PHOTO_TYPES + PHOTO_EXTENSIONS)

    @property
    def inputmode(self) -> str | None:
        return {"tel": "tel", "email": "email", "year": "numeric", "number": "numeric"}.get(self.type)

    @property
    def html_pattern(self) -> str | None:
        """The browser's check: the same rule as the handler's, on what people type."""
        if self.type == "tel":
            return TEL_PATTERN
        return self.pattern

    @property
    def limit(self) -> int:
        """The longest value kept, whatever the definition says: nobody's name is 10,000 characters."""
        return self.max_length or (5000 if self.type == "textarea" else 200)


@dataclass(frozen=True)
class Consent:
    text: Text
    privacy: str

    def around(self, lang: str, policy: str) -> tuple[str, str, str]:
        """The words before, of and after the privacy policy's name (`policy`, as the site calls
        it), so that the page links those words; words that do not name it get the link after them."""
        text = self.text.en if lang == "en" else self.text.zh
        at = text.lower().find(policy.lower())
        if at < 0:
            return f"{text} ", policy, ""
        return text[:at], text[at : at + len(policy)], text[at + len(policy) :]


@dataclass(frozen=True)
class Form:
    name: str
    version: int
    title: Text
    intro: Text | None
    consent: Consent
    fields: tuple[Field, ...] = field(default_factory=tuple)
    source: str = ""  # where it is defined, as editors see it: forms/contact.yaml

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @functools.cached_property  # asked on every request: worked out once per form
    def photos(self) -> Field | None:
        """The form's photos field, if it has one (a form has at most one)."""
        return next((f for f in self.fields if f.type == "photos"), None)

    @functools.cached_property
    def registers(self) -> bool:
        """Whether it registers people for events (a field choosing from data/events.csv)."""
        return any(f.choices_from == "events" for f in self.fields)

    def body_limit(self, text_bytes: int) -> int:
        """The largest body the handler reads for this form: what its text fields take
        (FORMS_MAX_BODY_BYTES), and each photo it takes at its largest, with its part's headers."""
        photos = self.photos
        return text_bytes + (photos.max_files * (int(photos.max_mb * 2**20) + 1024) if photos else 0)

    @property
    def sections(self) -> list[tuple[Text | None, tuple[Field, ...]]]:
        """The fields as shown: runs of fields of one `group` under its heading, the others alone."""
        runs: list[tuple[Text | None, list[Field]]] = []
        for spec in self.fields:
            if runs and spec.group is not None and runs[-1][0] == spec.group:
                runs[-1][1].append(spec)
            else:
                runs.append((spec.group, [spec]))
        return [(group, tuple(fields)) for group, fields in runs]

    @property
    def columns(self) -> list[str]:
        """The inbox file's columns after its own bookkeeping ones."""
        return [f.name for f in self.fields] + [CONSENT]


def file_name(form: Form, spam: bool = False) -> str:
    """A form version's inbox file, relative to the inbox: update-v1.csv, spam/contact-v1.csv."""
    return ("spam/" if spam else "") + f"{form.name}-v{form.version}.csv"


def other_columns(form: Form, start: bytes, file: str) -> Problem | None:
    """A problem if an inbox file that begins with `start` (its first line at least) has other
    columns than the form's version: a field was added, removed or renamed and the version kept,
    so rows appended to it would sit under other fields' names. A BOM or a Windows line end
    changes no column, and an empty file has none yet (its header is still to be written)."""
    skip = len(tables.BOM) if start.startswith(tables.BOM) else 0
    if len(start) == skip:
        return None
    end = start.find(b"\n", skip, skip + FIRST_LINE)  # the git inbox passes the whole file
    first = start[skip : end if end >= 0 else skip + FIRST_LINE].decode("utf-8", "replace")
    if next(tables.reader(first), []) == BOOKKEEPING + form.columns:
        return None
    raised = f"{form.name}-v{form.version + 1}.csv"
    return Problem(file, f"的列与 {form.source} 的字段不同：增删或改名字段后请把 version 改为 {form.version + 1}（新的提交存入 {raised}），这个文件保持原样",
                   f"has other columns than the fields of {form.source}: after adding, removing or renaming a field, raise its version to {form.version + 1} (new submissions then go to {raised}) and leave this file as it is",
                   kind=STALE_VERSION)  # fmt: skip


def stale_inboxes(forms: Iterable[Form], inbox: Path, label: str) -> list[Problem]:
    """The files of a local inbox (named `label` in sentences) that the forms' submissions go to
    and that have other columns: found before a build or the handler's start, so neither goes on."""
    problems = []
    for form in forms:
        for spam in (False, True):
            try:
                with (inbox / file_name(form, spam)).open("rb") as file:
                    start = file.read(FIRST_LINE)
            except OSError:  # none yet, or unreadable: storing then says so
                continue
            problem = other_columns(form, start, f"{label}/{file_name(form, spam)}")
            if problem:
                problems.append(problem)
    return problems


class _Mapping(dict):
    """A YAML mapping that remembers the line of each key, for problems that name the line."""

    line: int = 0
    lines: dict


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """PyYAML's safe loader (libyaml's when present), with mappings that know their lines."""


def _mapping_with_lines(loader: _Loader, node: yaml.MappingNode) -> _Mapping:
    mapping = _Mapping(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.lines = {key.value: key.start_mark.line + 1 for key, _ in node.value}
    return mapping


_Loader.add_constructor("tag:yaml.org,2002:map", _mapping_with_lines)


def load_forms(
    directory: Path, events: list[tuple[str, Text]] | None = None, closed: dict[str, Text] | None = None
) -> dict[str, Form]:
    """Every forms/*.yaml by name; raises ProblemsFound naming file and line of every mistake.

    `events` are the choices for a field with `choices_from: events`, and `closed` the events
    that cannot be chosen now with the reason (core/events.py's open_events and closed_events).
    """
    forms, problems = {}, []
    for path in sorted(directory.glob("*.yaml")):
        label = f"{directory.name}/{path.name}"
        try:
            spec = read_yaml(path, label)
        except ProblemsFound as found:
            problems += found.problems
            continue
        found = _Checker(label, problems)
        form = found.form(path.stem, spec, events or [], tuple((closed or {}).items()))
        if form is not None and not found.failed:
            forms[form.name] = form
    if problems:
        raise ProblemsFound(problems)
    return forms


# What libyaml reports, in words an editor can act on; the rest is about indentation and colons.
_YAML_MISTAKES = (
    ("simple key", "这一行缺少冒号，请写成 键: 值", "this line lacks a colon; write it as key: value"),
    ("quoted scalar", "引号没有配对，请补上另一半引号", "a quote is not closed; add the closing quote"),
    ("flow", "括号没有配对，请补上 } 或 ]", "a bracket is not closed; add the closing } or ]"),
    ("tab", "不能用 Tab 缩进，请改用空格", "indent with spaces, not tabs"),
)


def read_yaml(path: Path, label: str):
    """A YAML file an editor writes (a form, the data package), its mappings knowing their lines;
    raises ProblemsFound naming the file and line when it is no UTF-8 or no YAML, or cannot be read."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError as error:
        raise ProblemsFound([yaml_problem(label, error)]) from None
    except UnicodeDecodeError as error:  # saved as GBK by an editor that was not told otherwise
        line = error.object[: error.start].count(b"\n") + 1
        raise ProblemsFound([Problem(label, "不是 UTF-8 文本；请在编辑器中另存为 UTF-8", "is not UTF-8 text; save it as UTF-8 in your editor",
                                     line=line, kind="encoding")]) from None  # fmt: skip
    except OSError as error:  # gone, or a folder, while an editor or git saves it
        raise ProblemsFound([Problem(label, f"无法读取（{error.strerror}）", f"cannot be read ({error.strerror})", kind="file")]) from None  # fmt: skip


def yaml_problem(label: str, error: yaml.YAMLError) -> Problem:
    """A YAML mistake as one sentence, on the line where the editor made it.

    libyaml notices a missing colon or an unclosed quote or bracket only on a later line; the line
    it started scanning (its context mark) is where the mistake is.
    """
    mark = getattr(error, "problem_mark", None)
    context = getattr(error, "context", None) or ""
    if getattr(error, "context_mark", None) and any(
        k in context for k in ("simple key", "quoted scalar", "flow")
    ):
        mark = error.context_mark
    text = f"{context} {getattr(error, 'problem', '') or ''}"
    zh, en = next(((zh, en) for key, zh, en in _YAML_MISTAKES if key in text),
                  ("缩进或冒号有误，请对照其他行检查", "the indentation or a colon is wrong; compare it with the lines around it"))  # fmt: skip
    return Problem(label, f"YAML 格式有误：{zh}", f"is not valid YAML: {en}", line=mark.line + 1 if mark else None, kind="yaml")  # fmt: skip


class _Checker:
    """Turns one definition into a Form, collecting every mistake with its line."""

    def __init__(self, file: str, problems: list[Problem]):
        self.file, self.problems, self.failed = file, problems, False

    def fail(self, where: _Mapping | None, key: str | None, zh: str, en: str) -> None:
        line = None
        if isinstance(where, _Mapping):
            line = where.lines.get(key, where.line) if key else where.line
        self.problems.append(Problem(self.file, zh, en, line=line, field=key, kind="definition"))
        self.failed = True

    def form(self, name: str, spec, events: list[tuple[str, Text]], closed: tuple = ()) -> Form | None:
        if not isinstance(spec, _Mapping):
            self.fail(
                None,
                None,
                "应当是一个包含 title 和 fields 的表单定义",
                "should be a form definition with title and fields",
            )
            return None
        if not FORM_NAME.fullmatch(name):
            self.fail(
                None,
                None,
                "文件名只能用小写字母、数字和连字符，如 class-note.yaml",
                "name the file with lowercase letters, digits and hyphens, like class-note.yaml",
            )
        self.unknown_keys(spec, FORM_KEYS)
        version = spec.get("version")
        if not isinstance(version, int) or version < 1:
            self.fail(spec, "version", "version 请写正整数，如 1", "version must be a whole number such as 1")
        consent = spec.get("consent")
        if not isinstance(consent, _Mapping) or not str(consent.get("privacy", "")).startswith("/"):
            self.fail(
                spec,
                "consent",
                "需要 consent：同意文字（zh、en）和隐私政策地址 privacy，如 /privacy/",
                "needs consent: its words (zh, en) and privacy, the address of the privacy policy such as /privacy/",
            )
            consent = _Mapping(zh="", en="", privacy="/privacy/")
        fields = spec.get("fields")
        if not isinstance(fields, list) or not fields:
            self.fail(spec, "fields", "需要至少一个字段 fields", "needs at least one field under fields")
            fields = []
        built = [self.field(item, events, closed) for item in fields]
        names = [f.name for f in built if f]
        for item, made in zip(fields, built, strict=False):
            if made and (names.count(made.name) > 1 or made.name in (HONEYPOT, CONSENT)):
                self.fail(
                    item,
                    "name",
                    f"字段名 {made.name} 重复或被系统占用，请换一个",
                    f"field name {made.name} is repeated or reserved; choose another",
                )
        closed: set[Text] = set()  # groups whose run of fields has ended
        previous = None
        for item, made in zip(fields, built, strict=False):
            if made is None or made.group == previous:
                continue
            if previous is not None:
                closed.add(previous)
            if made.group in closed:
                self.fail(
                    item,
                    "group",
                    f"分组“{made.group.zh}”的字段应当连在一起，请把这个字段移到该组其他字段旁边",
                    f"the fields of the group “{made.group.en}” should follow each other; move this field next to the others",
                )
            previous = made.group
        for item, made in zip(fields, built, strict=False):
            if made and made.required_if and made.required_if[0] not in names:
                self.fail(
                    item,
                    "required_if",
                    f"required_if 指向的字段 {made.required_if[0]} 不存在",
                    f"required_if names {made.required_if[0]}, which is not a field of this form",
                )
        self.photo_fields(fields, built)
        return Form(
            name=name,
            version=version if isinstance(version, int) else 1,
            title=self.text(spec, "title", required=True) or Text("", ""),
            intro=self.text(spec, "intro"),
            consent=Consent(
                Text(str(consent.get("zh", "")), str(consent.get("en", ""))), str(consent.get("privacy"))
            ),
            fields=tuple(f for f in built if f),
            source=self.file,
        )

    def field(self, item, events: list[tuple[str, Text]], closed: tuple = ()) -> Field | None:
        if not isinstance(item, _Mapping):
            self.fail(
                None,
                None,
                "每个字段应写成 name: …、type: … 的形式",
                "each field should be written as name: ..., type: ...",
            )
            return None
        self.unknown_keys(item, FIELD_KEYS)
        name, kind = str(item.get("name", "")), item.get("type", "text")
        if not NAME.fullmatch(name):
            self.fail(
                item,
                "name",
                "字段名 name 只能用小写英文字母、数字和下划线，如 birth_date",
                "name must be lowercase letters, digits and underscores, like birth_date",
            )
        if kind not in TYPES:
            self.fail(
                item,
                "type",
                f"type 只能是其中之一：{', '.join(TYPES)}",
                f"type must be one of: {', '.join(TYPES)}",
            )
        if item.get("pattern") is not None:
            try:
                re.compile(str(item["pattern"]))
            except re.error:
                self.fail(
                    item,
                    "pattern",
                    "pattern 不是有效的正则表达式",
                    "pattern is not a valid regular expression",
                )
        choices = tuple(self.choices(item, events)) if kind == "choice" else ()
        required_if = item.get("required_if")
        if required_if is not None and not (isinstance(required_if, dict) and len(required_if) == 1):
            self.fail(
                item, "required_if", "required_if 请写成 {字段名: 值}", "write required_if as {field: value}"
            )
            required_if = None
        for key in ("min_length", "max_length"):
            if item.get(key) is not None and not isinstance(item[key], int):
                self.fail(item, key, f"{key} 请写整数", f"{key} must be a whole number")
        self.photo_keys(item, kind)
        return Field(
            name=name,
            type=kind,
            label=self.text(item, "label", required=True) or Text(name, name),
            help=self.text(item, "help"),
            required=bool(item.get("required", False)),
            required_if=next(iter((str(k), str(v)) for k, v in required_if.items())) if required_if else None,
            private=bool(item.get("private", False)),
            min_length=item.get("min_length"),
            max_length=item.get("max_length"),
            pattern=item.get("pattern"),
            min=item.get("min"),
            max=item.get("max"),
            choices=choices,
            choices_from=item.get("choices_from"),
            closed=closed if item.get("choices_from") else (),
            autocomplete=item.get("autocomplete"),
            group=self.text(item, "group"),
            max_files=item.get("max_files", Field.max_files) if kind == "photos" else Field.max_files,
            max_mb=item.get("max_mb", Field.max_mb) if kind == "photos" else Field.max_mb,
            describes=str(item["describes"]) if item.get("describes") is not None else None,
        )

    def photo_keys(self, item: _Mapping, kind: str) -> None:
        """max_files and max_mb belong to a photos field, within what the handler can decode."""
        for key, most, zh, en in (
            ("max_files", MAX_PHOTOS, "张数", "photos"),
            ("max_mb", MAX_PHOTO_MB, "兆字节数", "megabytes"),
        ):
            value = item.get(key)
            if value is None:
                continue
            if kind != "photos":
                self.fail(
                    item,
                    key,
                    f"{key} 只用于 type: photos 的字段",
                    f"{key} is only for a field of type photos",
                )
            elif (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not 0 < value <= most
                or (key == "max_files" and not isinstance(value, int))
            ):
                self.fail(
                    item,
                    key,
                    f"{key} 请写 1 到 {most} 之间的{zh}",
                    f"{key} must be a number of {en} from 1 to {most}",
                )
        if kind == "photos" and item.get("private"):
            self.fail(
                item,
                "private",
                "照片在审核通过后会公开发布，不能是 private",
                "photos are published once approved, so they cannot be private",
            )

    def photo_fields(self, items: list, built: list[Field | None]) -> None:
        """At most one photos field, and describes names it from a text field."""
        photos = [made.name for made in built if made and made.type == "photos"]
        for item, made in zip(items, built, strict=False):
            if made and made.type == "photos" and made.name != photos[0]:
                self.fail(
                    item,
                    "type",
                    "一个表单只能有一个 photos 字段",
                    "a form can have only one field of type photos",
                )
            if (
                made
                and made.describes is not None
                and (made.describes not in photos or made.type not in ("text", "textarea"))
            ):
                self.fail(
                    item,
                    "describes",
                    f"describes 应写本表单 photos 字段的名字（{', '.join(photos) or '本表单没有'}），并且只用于 text 或 textarea 字段",
                    f"describes must name this form's photos field ({', '.join(photos) or 'it has none'}), from a field of type text or textarea",
                )

    def choices(self, item: _Mapping, events: list[tuple[str, Text]]):
        source = item.get("choices_from")
        if source is not None:
            if source not in CHOICE_SOURCES:
                self.fail(
                    item,
                    "choices_from",
                    f"choices_from 只能是：{', '.join(CHOICE_SOURCES)}",
                    f"choices_from must be one of: {', '.join(CHOICE_SOURCES)}",
                )
            yield from (Choice(ident, title) for ident, title in events)
            return
        options = item.get("choices")
        if not isinstance(options, list) or not options:
            self.fail(
                item,
                "choices",
                "choice 字段需要 choices 列表或 choices_from",
                "a choice field needs a list of choices or choices_from",
            )
            return
        for option in options:
            if not (isinstance(option, _Mapping) and {"value", "zh", "en"} <= option.keys()):
                self.fail(
                    item, "choices", "每个选项需要 value、zh 和 en", "each choice needs value, zh and en"
                )
                continue
            yield Choice(str(option["value"]), Text(str(option["zh"]), str(option["en"])))

    def text(self, spec: _Mapping, key: str, required: bool = False) -> Text | None:
        value = spec.get(key)
        if value is None and not required:
            return None
        if not (
            isinstance(value, _Mapping)
            and isinstance(value.get("zh"), str)
            and isinstance(value.get("en"), str)
        ):
            self.fail(spec, key, f"{key} 需要中文 zh 和英文 en 两种写法", f"{key} needs both zh and en")
            return None
        return Text(value["zh"], value["en"])

    def unknown_keys(self, spec: _Mapping, known: set[str]) -> None:
        for key in spec:
            if key not in known:
                self.fail(
                    spec,
                    key,
                    f"不认识 {key}，请检查拼写；可用的有：{', '.join(sorted(known))}",
                    f"{key} is not a known key; known keys: {', '.join(sorted(known))}",
                )
