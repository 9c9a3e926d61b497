"""What a register record must keep across its fields: a real date of birth, born before
entering, entered before graduating. The import applies it to each row, and `invoke validate`
to the register (data/private.datapackage.yaml), in the same words."""

from __future__ import annotations

from collections.abc import Mapping

from core.values import NotADate, parse_date


def record_problems(record: Mapping[str, object]) -> list[tuple[str, str, str]]:
    """(field, zh, en) for each date that is impossible or out of order; the field named is the one to check."""
    entered, graduated = _year(record.get("year_entered")), _year(record.get("year_graduated"))
    birth = str(record.get("birth_date") or "")
    born = _year(birth[:4])
    found = []
    if birth:
        try:
            parse_date(birth)
        except NotADate as wrong:
            found.append(("birth_date", wrong.zh, wrong.en))
    if entered and graduated and graduated < entered:
        found.append(("year_graduated", f"早于入校时间 {entered}，请核对这两个年份",
                      f"is before the year entered, {entered}; check the two years"))  # fmt: skip
    if born and entered and born >= entered:
        found.append(("birth_date", f"不早于入校时间 {entered}，请核对出生日期",
                      f"is not before the year entered, {entered}; check the date of birth"))  # fmt: skip
    return found


def _year(value: object) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() else None
