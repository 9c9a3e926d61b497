"""One submission checked against its form definition: cleaned values, or errors per field."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from core.definitions import CONSENT, HONEYPOT, Field, Form, Text
from core.records import record_problems
from core.tables import find_mojibake
from core.values import alt_says_nothing, clean_text, is_email, is_mobile, normalise_email, normalise_mobile

_YES = {"on", "yes", "true", "1", "是"}
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# More combining marks on one letter than any writing puts there (Vietnamese two, Tibetan and
# Indic stacks four or five): "Zalgo" text, whose marks spill over the lines above and below it
# on the page an editor reviews and on the site: nine or more in a row of the combining marks
# such text is made of (the Combining Diacritical Marks blocks and their kin).
_STACKED = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]{9,}")


@dataclass
class Submission:
    """What a checked submission holds: cleaned values in form order, errors, and whether it is spam."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, Text] = field(default_factory=dict)
    spam: bool = False

    @property
    def valid(self) -> bool:
        return not self.errors


def check(form: Form, data: Mapping[str, object], today: datetime.date | None = None) -> Submission:
    """Check every field (never only the first); unknown fields are dropped, not stored. Values
    are stored one way: a day as YYYY-MM-DD, a number without leading zeros, an address as
    normalise_email writes it. `today`: no date may be later (a birth date)."""
    today = today or datetime.date.today()
    honeypot = _text(data.get(HONEYPOT))
    result = Submission(spam=honeypot is None or bool(honeypot))
    raw = {f.name: _text(data.get(f.name)) for f in form.fields}
    for spec in form.fields:
        if raw[spec.name] is None:
            result.errors[spec.name] = Text("这一项应填文字", "This should be text")
            result.values[spec.name] = ""
            continue
        value = clean_text(raw[spec.name], multiline=spec.type == "textarea")
        required = (
            spec.required
            or (
                spec.required_if is not None
                and clean_text(raw.get(spec.required_if[0]) or "") == spec.required_if[1]
            )
            or bool(spec.describes and raw.get(spec.describes))  # the alt text of photos that were sent
        )
        if not value:
            if required:
                result.errors[spec.name] = Text("请填写此项", "Please fill this in")
            result.values[spec.name] = ""
            continue
        value, error = _field_value(spec, value, today)
        if error:
            result.errors[spec.name] = error
        result.values[spec.name] = value
    # Dates that contradict each other (graduated before entering, born after it) are the
    # register's rule (core/records.py): approved as sent, they would stop `invoke validate`.
    for name, zh, en in record_problems(result.values):
        if name in raw and name not in result.errors:
            result.errors[name] = Text(zh, en)
    if (_text(data.get(CONSENT)) or "").strip().lower() in _YES:
        result.values[CONSENT] = "yes"
    else:
        result.errors[CONSENT] = Text(
            "请阅读隐私政策并勾选同意", "Please read the privacy policy and tick to agree"
        )
        result.values[CONSENT] = ""
    return result


def _text(value: object) -> str | None:
    """A submitted value as text: JSON may send numbers or booleans, and forms may repeat a field
    (the first counts). None for what is no text at all: an object, or a list inside a list."""
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    if isinstance(value, dict | list | tuple):
        return None
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    return str(value)


def _field_value(spec: Field, value: str, today: datetime.date) -> tuple[str, Text | None]:
    """The value to store and, if it is wrong, what to tell the alumnus."""
    # Text once read in a wrong encoding ("鍖椾含", "CafÃ©", "锟斤拷", "�") would be approved into
    # data/ files the build refuses as garbled: the alumnus, who still has the original, types it again.
    if find_mojibake(value):
        return value, Text(
            "有乱码（如 锟斤拷、鍖椾含、�），请删掉后重新输入",
            "Holds garbled text (like 锟斤拷 or �): delete it and type it again",
        )
    if _STACKED.search(value):
        return value, Text(
            "有叠在一起的大量符号（上下乱飞的字），请删掉后重新输入",
            "Holds a pile of marks stacked on one letter: delete it and type it again",
        )
    kind = spec.type
    if kind in ("year", "number", "date", "email") and len(value) <= spec.limit:
        # Full-width digits and letters, as Chinese keyboards type them. Before the length is
        # checked: NFKC can lengthen a value (㎏ is kg), and the stored value must fit.
        value = unicodedata.normalize("NFKC", value)
    if len(value) > spec.limit:
        return value[: spec.limit], Text(
            f"太长了，最多 {spec.limit} 个字", f"Too long: at most {spec.limit} characters"
        )
    if spec.min_length and len(value) < spec.min_length:
        return value, Text(
            f"太短了，至少 {spec.min_length} 个字", f"Too short: at least {spec.min_length} characters"
        )
    if kind == "email":
        if not is_email(value):
            return value, Text(
                "邮箱地址格式不对，请写成 name@example.com 的形式",
                "Not an e-mail address; write it like name@example.com",
            )
        value = normalise_email(value)
    if kind == "tel":
        value = normalise_mobile(value)
        if not is_mobile(value):
            return value, Text(
                "手机号码不对：中国大陆号码为 1 开头的 11 位数字，境外号码请以 + 和国家代码开头",
                "Not a mobile number: mainland China numbers have 11 digits starting with 1; others start with + and the country code",
            )
    if kind in ("year", "number"):
        if not value.isascii() or not value.isdigit() or (kind == "year" and len(value) != 4):
            return value, Text(
                "请写数字" if kind == "number" else "请写四位年份，如 1998",
                "Write a number" if kind == "number" else "Write a four-digit year, like 1998",
            )
        if (spec.min is not None and int(value) < int(spec.min)) or (
            spec.max is not None and int(value) > int(spec.max)
        ):
            return value, Text(
                f"请写 {spec.min} 到 {spec.max} 之间的数", f"Write a number from {spec.min} to {spec.max}"
            )
        value = str(int(value))  # "0005" is 5
    if kind == "date":
        try:
            # Only YYYY-MM-DD: fromisoformat also reads week dates (1990-W10-1) and ordinals.
            day = datetime.date.fromisoformat(value) if _DAY.fullmatch(value) else None
        except ValueError:
            day = None
        if day is None or (spec.min and value < str(spec.min)) or (spec.max and value > str(spec.max)):
            return value, Text("请写有效的日期，如 1980-05-01", "Write a real date, like 1980-05-01")
        if day > today:  # every date a form asks for (a birth date) has happened
            return value, Text("日期不能晚于今天", "The date cannot be later than today")
    if kind == "choice" and value not in {c.value for c in spec.choices}:
        return value, dict(spec.closed).get(value) or Text("请从列表中选择", "Choose one of the options")
    if kind == "checkbox":
        value = "yes" if value.lower() in _YES else ""
    if spec.pattern and not re.fullmatch(spec.pattern, value):
        return value, Text(
            f"格式不对{('：' + spec.help.zh) if spec.help else ''}",
            f"Wrong format{(': ' + spec.help.en) if spec.help else ''}",
        )
    if spec.describes and alt_says_nothing(value):
        # Published as the photos' alt text, where the build refuses it: asked again here, of
        # the alumnus who saw them, not of the editor who approves them.
        return value, Text(
            "请写出照片上是谁、在做什么或是什么地方，如“二十多位同学在化学楼前合影”；“照片”或文件名帮不了看不见图片的读者",
            "Say who or what is in the photos, such as “Twenty classmates in front of the Chemistry Building”: “photo” or a file name tells readers who cannot see them nothing",
        )
    return value, None
