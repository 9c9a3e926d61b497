"""The alumni register (校友信息库): the office's private list of records, one per alumnus.

It lives in data/private/register.csv, outside the published tree and out of git. Its columns
are the fields of the `update` form, an id, and when and how each record was last updated.
Unlike the inbox it is rewritten when records change, always through a temporary file that
replaces it in one step, so a crash leaves the old register or the new one, never half.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

from core import tables
from core.definitions import Form

BOOKKEEPING = ["id", "updated", "source"]


def columns(update_form: Form) -> list[str]:
    return BOOKKEEPING + [f.name for f in update_form.fields]


def read_register(path: Path) -> list[dict[str, str]]:
    return tables.read_records(path, "data/private/register.csv")


def write_register(path: Path, records: list[dict[str, str]], names: list[str]) -> None:
    """Replace the register in one step, owner-only (core/tables.py's write_table)."""
    tables.write_table(path, names, records)


def identity(record: dict[str, str]) -> tuple[str, str, str]:
    """The same person: same name, birth date and college (or unit, for staff)."""
    return (
        record.get("name", "").strip(),
        record.get("birth_date", "").strip(),
        (record.get("college") or record.get("staff_unit") or "").strip(),
    )


def find(records: list[dict[str, str]], values: dict[str, str]) -> dict[str, str] | None:
    """The record these values belong to: by id if given, else by name, birth date and college."""
    if values.get("id"):
        return next((r for r in records if r["id"] == values["id"]), None)
    key = identity(values)
    if not all(key):
        return None  # without all three, two people could be taken for one
    return next((r for r in records if identity(r) == key), None)


def changes(
    record: dict[str, str] | None, values: dict[str, str], fields: list[str]
) -> dict[str, tuple[str, str]]:
    """What an update would change: field -> (old, new); empty new values change nothing."""
    old = record or {}
    return {f: (old.get(f, ""), values[f]) for f in fields if values.get(f) and values[f] != old.get(f, "")}


def new_ids(records: list[dict[str, str]]) -> Iterator[str]:
    """Ids for new records, after the highest in use: A0000001, A0000002…"""
    numbers = [int(r["id"][1:]) for r in records if r.get("id", "").startswith("A") and r["id"][1:].isdigit()]
    return (f"A{n:07d}" for n in itertools.count(max(numbers, default=0) + 1))
