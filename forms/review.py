"""Editors' review of the inbox: pending submissions, and decisions that are applied and logged.

Nothing in the inbox is ever rewritten. A submission is pending while the decision log
(data/private/decisions.csv, append-only) has no line for it. Approving applies it first and
logs it second; every application is idempotent, so a review interrupted between the two is
simply finished by the next run, with nothing lost and nothing applied twice.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from forms.definitions import CONSENT, Form
from forms.inbox import append_row, read_inbox
from forms.problems import Problem, ProblemsFound
from forms.register import changes, columns, find, new_ids, read_register, write_register

DECISIONS = ["decided_at", "editor", "form", "submission", "decision", "reason"]
ATTENDEES = ["submission", "event", "name", "class_year", "mobile", "guests", "registered"]
CLASS_NOTES = ["id", "published", "class_year", "college", "author", "title", "body"]


@dataclass(frozen=True)
class Entry:
    """A submission as it waits in the inbox, with the form it was sent through."""

    form: Form
    row: dict[str, str]

    @property
    def id(self) -> str:
        return self.row["id"]

    def public(self) -> dict[str, str]:
        """What may be shown beside private fields' names: private values are masked."""
        return {
            f.name: ("•••" if f.private and self.row.get(f.name) else self.row.get(f.name, ""))
            for f in self.form.fields
        }


class Review:
    def __init__(self, data: Path, forms: dict[str, Form], today: datetime.date | None = None):
        self.data, self.forms = data, forms
        self.today = today or datetime.date.today()
        self.private = data / "private"
        self.log = self.private / "decisions.csv"

    def decided(self) -> dict[str, dict[str, str]]:
        return {row["submission"]: row for row in read_inbox(self.log)}

    def submissions(self) -> list[Entry]:
        """Every submission in the inbox, oldest first (spam is kept apart and never reviewed)."""
        found = []
        for name, form in sorted(self.forms.items()):
            for path in sorted((self.data / "inbox").glob(f"{name}-v*.csv")):
                found += [Entry(form, row) for row in read_inbox(path)]
        return sorted(found, key=lambda s: s.row.get("received", ""))

    def pending(self) -> list[Entry]:
        decided = self.decided()
        return [s for s in self.submissions() if s.id not in decided]

    def get(self, submission_id: str) -> Entry:
        """A pending submission; a clear refusal if it does not exist or is decided already."""
        decision = self.decided().get(submission_id)
        if decision:
            raise _refusal(submission_id, f"已于 {decision['decided_at']} 由 {decision['editor']} 处理（{decision['decision']}），不能重复决定",
                           f"was already decided ({decision['decision']}) by {decision['editor']} at {decision['decided_at']}")  # fmt: skip
        found = next((s for s in self.submissions() if s.id == submission_id), None)
        if found is None:
            raise _refusal(
                submission_id,
                "收件箱里没有这条提交，请用 invoke review --list 查看编号",
                "is not in the inbox; see invoke review --list",
            )
        return found

    def difference(self, submission: Entry) -> dict[str, tuple[str, str]]:
        """For an update: what approving it would change in the register."""
        if submission.form.name != "update":
            return {}
        record = find(read_register(self.private / "register.csv"), submission.row)
        return changes(record, submission.row, [f.name for f in submission.form.fields])

    def approve(self, submission_id: str, editor: str) -> str:
        submission = self.get(submission_id)
        done = {
            "update": self._merge_into_register,
            "class-note": self._publish_class_note,
            "event-registration": self._add_attendee,
        }.get(submission.form.name, lambda s: "已处理 / handled")(submission)
        self._log(submission, editor, "approved", "")
        return done

    def reject(self, submission_id: str, editor: str, reason: str) -> None:
        if not reason.strip():
            raise _refusal(
                submission_id, "拒绝时请写明原因：--reason 原因", "give a reason to reject: --reason ..."
            )
        self._log(self.get(submission_id), editor, "rejected", reason.strip())

    def _log(self, submission: Entry, editor: str, decision: str, reason: str) -> None:
        now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        append_row(self.log, DECISIONS, [now, editor, submission.form.name, submission.id, decision, reason])

    def _merge_into_register(self, submission: Entry) -> str:
        path = self.private / "register.csv"
        records = read_register(path)
        source = f"form:{submission.id}"
        if any(r.get("source") == source for r in records):
            return "登记册已含此更新 / already in the register"
        record = find(records, submission.row)
        fields = [f.name for f in submission.form.fields if f.name != CONSENT]
        if record is None:
            record = {"id": next(new_ids(records))}
            records.append(record)
        record.update({field: new for field, (_, new) in changes(record, submission.row, fields).items()})
        record.update(updated=self.today.isoformat(), source=source)
        write_register(path, records, columns(submission.form))
        return f"登记册记录 {record['id']} 已更新 / register record {record['id']} updated"

    def _publish_class_note(self, submission: Entry) -> str:
        row = {**submission.row, "id": submission.id, "published": self.today.isoformat()}
        if not _append_once(self.data / "class_notes.csv", CLASS_NOTES, "id", row):
            return "已发布 / already published"
        return "已加入 data/class_notes.csv，下次构建后发布 / added to data/class_notes.csv, published by the next build"

    def _add_attendee(self, submission: Entry) -> str:
        row = {**submission.row, "submission": submission.id, "registered": submission.row["received"]}
        if not _append_once(self.private / "attendees.csv", ATTENDEES, "submission", row):
            return "已在名单中 / already on the list"
        return f"已加入 {row['event']} 的报名名单 / added to the attendees of {row['event']}"


def _append_once(path: Path, header: list[str], key: str, row: dict[str, str]) -> bool:
    """Append the row unless one with the same key is there already (an approval repeated
    after an interrupted review); True if it was appended."""
    if any(existing[key] == row[key] for existing in read_inbox(path)):
        return False
    append_row(path, header, [row.get(column, "") for column in header])
    return True


def as_json(submission: Entry) -> dict:
    return {
        "id": submission.id,
        "form": submission.form.name,
        "received": submission.row.get("received"),
        "fields": submission.public(),
    }


def _refusal(submission_id: str, zh: str, en: str) -> ProblemsFound:
    return ProblemsFound(
        [Problem("invoke review", zh, en, field="submission", value=submission_id, kind="review")]
    )


def interactive(review: Review, editor: str, ask=input, say=print) -> int:
    """One pending submission at a time: approve, reject with a reason, skip, or quit.

    Returns how many were decided. Each decision is written before the next is shown.
    """
    decided = 0
    pending = review.pending()
    for number, submission in enumerate(pending, start=1):
        say(
            f"\n[{number}/{len(pending)}] {submission.form.title.zh} {submission.form.name}  {submission.id}  {submission.row.get('received', '')}"
        )
        for field in submission.form.fields:
            if submission.row.get(field.name):
                say(f"  {field.label.zh} {field.name}: {submission.row[field.name]}")
        for field, (old, new) in review.difference(submission).items():
            say(f"  变更 change {field}: {old or '（空 empty）'} -> {new}")
        while True:
            choice = ask("同意 [a]pprove / 拒绝 [r]eject / 跳过 [s]kip / 退出 [q]uit > ").strip().lower()[:1]
            if choice == "a":
                say("  " + review.approve(submission.id, editor))
                decided += 1
                break
            if choice == "r":
                reason = ask("拒绝原因 reason > ").strip()
                if reason:
                    review.reject(submission.id, editor, reason)
                    decided += 1
                    break
                say("  请写明原因 / a reason is needed")
            elif choice == "s":
                break
            elif choice == "q":
                return decided
    return decided
