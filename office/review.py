"""Editors' review of the inbox: pending submissions, and decisions that are applied and logged.

Nothing in the inbox is ever rewritten. A submission is pending while the decision log has no
line for it. The inbox and its log are either this computer's (data/inbox/ and
data/private/decisions.csv) or the review branch's, where the form handler's git inbox puts
submissions (its <form>-v<version>.csv files and decisions.csv, each decision a commit pushed
at once, so that every editor sees it). Approving applies it first and logs it second; every
application is idempotent, so a review interrupted between the two is simply finished by the
next run, with nothing lost and nothing applied twice.

Whichever inbox is reviewed, what approving does stays on this computer or in the site's working
copy: the register and attendee lists in data/private/, class notes in data/class_notes.csv and
their photos in content/<CLASS_NOTE_PHOTOS_PATH>/<note id>/ with photos.csv (their alt text),
where the build's picture pipeline finds them, as it finds an event's gallery.
"""

from __future__ import annotations

import datetime
import io
import os
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from core import files, tables
from core.datapackage import read_descriptor
from core.definitions import CONSENT, Form
from core.problems import Problem, ProblemsFound
from core.records import record_problems
from core.sealing import Opener, Unreadable, is_sealed
from core.site import site_settings
from core.values import clean_name, normalise_email, shown_moment
from forms.gitinbox import Branch, BranchFiles, remote_from_env
from forms.inbox import Inbox, LocalFiles, StoredPhoto, once_each
from office.register import Match, Register, changes, now_on


@dataclass(frozen=True)
class Entry:
    """A submission as it waits in the inbox, with the form it was sent through and where it is."""

    form: Form
    row: dict[str, str]
    file: str = ""
    number: int = 0  # its row in the file, counted as a spreadsheet does (the header is row 1)

    @property
    def id(self) -> str:
        return self.row["id"]

    def public(self) -> dict[str, str]:
        """What may be shown beside private fields' names: private values are masked."""
        return {
            f.name: ("•••" if f.private and self.row.get(f.name) else self.row.get(f.name, ""))
            for f in self.form.fields
        }


def open_inbox(data: Path, branch: str | None = None, remote: str | None = None) -> Inbox:
    """This computer's inbox (data/inbox/, or the folder FORMS_INBOX names: the handler's, on the
    office's own server), or the review branch when a branch, a remote or FORMS_GIT_URL says so
    (the remote defaults to FORMS_GIT_URL, then to the origin of the checkout holding data/). A
    review branch that is not there is told with the branches that are, not read as empty."""
    url = remote or os.environ.get("FORMS_GIT_URL")
    if not (branch or url):
        folder = os.environ.get("FORMS_INBOX", "").strip()
        return LocalFiles(data, Path(folder) if folder else None)
    return BranchFiles(
        Branch(remote_from_env(url=url or _origin(data.parent), branch=branch)), must_exist=True
    )


def _origin(checkout: Path) -> str | None:
    """The address of the checkout's origin, which editors can already push to."""
    from dulwich.repo import Repo

    try:
        return Repo(str(checkout)).get_config().get((b"remote", b"origin"), b"url").decode()
    except (KeyError, OSError, ValueError):
        return None


class Review:
    def __init__(
        self,
        data: Path,
        forms: dict[str, Form],
        today: datetime.date | None = None,
        inbox: Inbox | None = None,
        opener: Opener | None = None,
        content: Path | None = None,
    ):
        self.data, self.forms = data, forms
        settings = site_settings()
        # Where approved class notes' photos go: content/class-notes/<note id>/ (pelicanconf.py).
        self.note_photos = (content or data.parent / settings["PATH"]) / settings["CLASS_NOTE_PHOTOS_PATH"]
        self.today = today or datetime.date.today()
        self.private = data / "private"
        self.inbox = inbox or LocalFiles(data)
        self.opener = opener  # the office's private key, for private fields sealed by the handler

    def decided(self) -> dict[str, dict[str, str]]:
        return {row["submission"]: row for row in self.inbox.decisions()}

    def submissions(self) -> list[Entry]:
        """Every submission in the inbox, oldest first (spam is kept apart and never reviewed)."""
        found = []
        for name, form in sorted(self.forms.items()):
            for file, rows in self.inbox.files(name):
                found += [Entry(form, row, file, number) for number, row in enumerate(rows, start=2)]
        return once_each(sorted(found, key=lambda s: s.row.get("received", "")), lambda s: s.id)

    def open(self, submission: Entry) -> Entry:
        """The submission with its sealed private fields opened with the office's private key."""
        sealed = [name for name, value in submission.row.items() if is_sealed(value)]
        if not sealed:
            return submission
        if self.opener is None:
            raise ProblemsFound([Problem(
                submission.file,
                "私密字段已加密，需要办公室的私钥才能审核：请用 --identity 或环境变量 FORMS_AGE_IDENTITY 指定私钥文件 office.agekey",
                "private fields are sealed and need the office's private key: give the key file office.agekey with --identity or FORMS_AGE_IDENTITY",
                row=submission.number, field=sealed[0], kind="sealed",
            )])  # fmt: skip
        try:
            return replace(submission, row=self.opener.open_row(submission.row))
        except Unreadable as unreadable:
            raise ProblemsFound([unreadable.problem(submission.file, submission.number)]) from None

    def pending(self) -> list[Entry]:
        decided = self.decided()
        return [s for s in self.submissions() if s.id not in decided]

    def get(self, submission_id: str) -> Entry:
        """A pending submission; a clear refusal if it does not exist or is decided already."""
        decision = self.decided().get(submission_id)
        if decision:
            raise _decided_already(submission_id, decision)
        found = next((s for s in self.submissions() if s.id == submission_id), None)
        if found is None:
            raise _refusal(
                submission_id,
                "收件箱里没有这条提交，请用 invoke review --list 查看编号",
                "is not in the inbox; see invoke review --list",
            )
        return found

    def photos(self, submission: Entry) -> list[StoredPhoto]:
        """The photos sent with a submission, as stored beside it; none for a form without photos."""
        spec = submission.form.photos
        if spec is None or not submission.row.get(spec.name):
            return []
        return self.inbox.photos(submission.id)

    def photo_lines(self, submission: Entry) -> list[str]:
        """Each photo of a submission in one line: its name, size and where it is; and any it
        names that is not there."""
        spec = submission.form.photos
        if spec is None or not submission.row.get(spec.name):
            return []
        found = {photo.name: photo for photo in self.photos(submission)}
        lines = []
        for name in submission.row[spec.name].split():
            photo = found.get(name)
            if photo is None:
                lines.append(f"照片 photo {name}: 找不到 / missing")
                continue
            try:
                with Image.open(io.BytesIO(photo.data)) as image:
                    size = f"{image.width}×{image.height}"
            except (OSError, ValueError):  # the handler stores only JPEGs it made; this one was changed
                size = "不是图片 / not an image"
            lines.append(f"照片 photo {name}: {size}, {len(photo.data) / 1024:.0f} KB  {photo.where}")
        return lines

    def placement(
        self, submission: Entry, record: str | None = None
    ) -> tuple[Register, Match, dict[str, str]]:
        """For an update: the register, the record the alumnus is by its identity rules (or the
        one the editor names: an id, or "new"), and the values the update brings."""
        submission = self.open(submission)
        register = Register.open(self.private / "register.csv", submission.form)
        values = {f.name: submission.row.get(f.name, "") for f in submission.form.fields}
        values["name"], values["email"] = (
            clean_name(values.get("name", "")),
            normalise_email(values.get("email", "")),
        )
        if record == "new":
            return register, Match("new"), values
        if record:
            found = register.by_id.get(record)
            if found is None:
                raise _refusal(
                    submission.id, f"登记册中没有编号 {record}", f"the register has no record {record}"
                )
            return register, Match("same", found), values
        return register, register.match(values), values

    def difference(self, submission: Entry, record: str | None = None) -> dict[str, tuple[str, str]]:
        """For an update: what approving it would change in the register (all of it, for a new record)."""
        if submission.form.name != "update":
            return {}
        register, match, values = self.placement(submission, record)
        current = (
            register.as_dict(match.record) if match.record is not None and match.kind == "same" else None
        )
        return changes(current, values, [f.name for f in submission.form.fields if f.name != CONSENT])

    def approve(self, submission_id: str, editor: str, record: str | None = None) -> str:
        """Apply a submission, then log the decision. `record` places an update the identity rules
        could not: a register id, or "new" for a person the register does not know."""
        submission = self.open(self.get(submission_id))
        if submission.form.name == "update":
            done = self._merge_into_register(submission, editor, record)
        else:
            done = {
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

        def still_pending(decided: dict[str, dict[str, str]]) -> None:
            if submission.id in decided:  # another editor decided it while this one looked at it
                raise _decided_already(submission.id, decided[submission.id])

        self.inbox.record([now, editor, submission.form.name, submission.id, decision, reason], still_pending)

    def _merge_into_register(self, submission: Entry, editor: str, record: str | None) -> str:
        """The alumnus's own values into the record the rules (or the editor) place it in; a new
        record only for a person the register does not know. Never a second record for a known one."""
        register, match, values = self.placement(submission, record)
        source = f"form:{submission.id}"
        if register.applied(source):
            return "登记册已含此更新 / already in the register"
        if match.kind not in ("same", "new"):
            raise _unplaced(submission.id, register, match)
        when = now_on(self.today)
        register.as_of = when.isoformat(timespec="seconds")  # the alumnus's word is as of now
        fields = [f.name for f in submission.form.fields if f.name != CONSENT]
        current = {} if match.kind == "new" else register.as_dict(match.record)
        _contradicting(submission, current, {**current, **{k: v for k, v in values.items() if v}})
        if match.kind == "new":
            index = register.add(values, source, editor, when, alumnus=True)
            register.save()
            return f"登记册新增记录 {register.get(index, 'id')} / register record {register.get(index, 'id')} added"
        diff = changes(register.as_dict(match.record), values, fields)
        register.change(
            match.record,
            {name: new for name, (_, new) in diff.items()},
            source,
            editor,
            when,
            alumnus=True,
            gave=[name for name in fields if values.get(name)],
        )
        register.save()
        ident = register.get(match.record, "id")
        shown = (
            "; ".join(f"{name}: {old or '（空）'} -> {new}" for name, (old, new) in diff.items())
            or "无变化，已确认 / nothing changed, confirmed"
        )
        return f"登记册记录 {ident} 已更新 / register record {ident} updated: {shown}"

    def _publish_class_note(self, submission: Entry) -> str:
        # Its photos first: a review stopped in between leaves a folder the build names (run the
        # review again to finish), never a note published without the photos it was sent with.
        photos = self._copy_photos(submission)
        row = {**submission.row, "id": submission.id, "published": self.today.isoformat()}
        columns = _columns(self.data / "datapackage.yaml", "class_notes")
        where = f"{self.note_photos.parent.name}/{self.note_photos.name}/{submission.id}/"
        with_photos = (
            (
                f"，{photos} 张照片复制到 {where}",
                f", {photos} photo{'s' if photos > 1 else ''} copied to {where}",
            )
            if photos
            else ("", "")
        )
        if not _append_once(self.data / "class_notes.csv", columns, "id", row):
            return "已发布 / already published"
        return f"已加入 data/class_notes.csv{with_photos[0]}，下次构建后发布 / added to data/class_notes.csv{with_photos[1]}, published by the next build"  # fmt: skip

    def _copy_photos(self, submission: Entry) -> int:
        """The note's photos into content/, with photos.csv giving each one the note's alt text
        (what the alumnus said the photos show; the title if a note has no such field)."""
        photos = self.photos(submission)
        if not photos:
            return 0
        form = submission.form
        describing = next((f.name for f in form.fields if f.describes == form.photos.name), None)
        alt = (submission.row.get(describing or "") or submission.row.get("title", "")).strip()
        folder = self.note_photos / submission.id
        folder.mkdir(parents=True, exist_ok=True)
        for photo in photos:
            target = folder / photo.name
            if not (
                target.is_file() and target.read_bytes() == photo.data
            ):  # kept: the build keeps its copies
                files.write_whole(target, photo.data, private=False, sync=True)
        tables.write_table(
            folder / "photos.csv", ["file", "alt"], [[p.name, alt] for p in photos], private=False
        )
        return len(photos)

    def _add_attendee(self, submission: Entry) -> str:
        row = {**submission.row, "submission": submission.id, "registered": submission.row["received"]}
        columns = _columns(self.data / "private.datapackage.yaml", "attendees")
        if not _append_once(self.private / "attendees.csv", columns, "submission", row):
            return "已在名单中 / already on the list"
        return f"已加入 {row['event']} 的报名名单 / added to the attendees of {row['event']}"


def _columns(descriptor: Path, resource: str) -> list[str]:
    """A table's columns as its data package describes them: the one shape of the table."""
    return [f.name for f in next(r for r in read_descriptor(descriptor) if r.name == resource).fields]


def _append_once(path: Path, header: list[str], key: str, row: dict[str, str]) -> bool:
    """Append the row unless one with the same key is there already (an approval repeated
    after an interrupted review); True if it was appended."""
    if any(existing[key] == row[key] for existing in tables.read_records(path)):
        return False
    tables.append_row(path, header, [row.get(column, "") for column in header])
    return True


def as_json(submission: Entry) -> dict:
    return {
        "id": submission.id,
        "form": submission.form.name,
        "received": submission.row.get("received"),
        "fields": submission.public(),
    }


def _contradicting(submission: Entry, current: dict, merged: dict) -> None:
    """Refuse an update that would leave its record's dates contradicting each other (core/records.py),
    which `invoke validate` then refuses: sent before the form checked it, or against the register's
    other dates. What the record already says wrongly is the register's matter, not this update's."""
    before = {name for name, _, _ in record_problems(current)}
    found = [(name, zh, en) for name, zh, en in record_problems(merged) if name not in before]
    if found:
        labels = {f.name: f.label for f in submission.form.fields}
        name, zh, en = found[0]
        label = labels.get(name)
        raise _refusal(
            submission.id,
            f"批准后记录的{label.zh if label else name} {merged[name]} {zh}；如是校友填错，请驳回这份更新，否则先改正登记册",
            f"once approved, the record's {label.en if label else name} {merged[name]} {en}; if the alumnus's value is wrong, reject this update, otherwise correct the register first",
        )  # fmt: skip


def _unplaced(submission_id: str, register: Register, match: Match) -> ProblemsFound:
    """An update the identity rules cannot place: the editor decides which record it is."""
    ids = ", ".join(register.get(i, "id") for i in (match.candidates or (match.record,)) if i is not None)
    if match.kind == "shared":  # a name new in the college, with a mobile or e-mail one of its records has
        name = register.get(match.record, "name")
        return _refusal(
            submission_id,
            f"姓名在该学院是新的，但手机或邮箱与登记册中的 {ids}（{name}）相同：如是同一人（改了名或写法不同），用 --record {ids} 指定；如不是，用 --record new 新增",
            f"has a name new in its college but the mobile or e-mail of {ids} ({name}) in the register: if it is the same person (a new name, or written another way), give --record {ids}; if not, --record new",
        )  # fmt: skip
    return _refusal(
        submission_id,
        f"可能是登记册中的 {ids}，规则无法确定是哪一位：核对后用 --record 编号 指定，或用 --record new 新增",
        f"could be {ids} in the register and the rules cannot tell which: check, then give --record ID, or --record new to add a record",
    )


def _decided_already(submission_id: str, decision: dict[str, str]) -> ProblemsFound:
    when = shown_moment(decision["decided_at"])  # the log keeps UTC; the editor reads their own time
    return _refusal(submission_id, f"已于 {when} 由 {decision['editor']} 处理（{decision['decision']}），不能重复决定",
                    f"was already decided ({decision['decision']}) by {decision['editor']} at {when}")  # fmt: skip


def _refusal(submission_id: str, zh: str, en: str) -> ProblemsFound:
    return ProblemsFound(
        [Problem("invoke review", zh, en, field="submission", value=submission_id, kind="review")]
    )


def interactive(review: Review, editor: str, ask=input, say=print) -> int:
    """One pending submission at a time: approve, reject with a reason, skip, or quit.

    An update is shown with the record it goes into and what it changes there; one the rules
    cannot place asks for the record (or "new"). Returns how many were decided. Each decision
    is written before the next is shown.
    """
    decided = 0
    pending = review.pending()
    try:
        for number, submission in enumerate(pending, start=1):
            submission = review.open(submission)
            say(
                f"\n[{number}/{len(pending)}] {submission.form.title.zh} {submission.form.name}  {submission.id}  {shown_moment(submission.row.get('received', ''))}"
            )
            for field in submission.form.fields:
                if submission.row.get(field.name) and field.type != "photos":
                    say(f"  {field.label.zh} {field.name}: {submission.row[field.name]}")
            for line in review.photo_lines(submission):
                say(f"  {line}")
            record = _place(review, submission, ask, say) if submission.form.name == "update" else None
            if record == "skip":
                continue
            while True:
                choice = (
                    ask("同意 [a]pprove / 拒绝 [r]eject / 跳过 [s]kip / 退出 [q]uit > ").strip().lower()[:1]
                )
                if choice == "s":
                    break
                if choice == "q":
                    return decided
                reason = ask("拒绝原因 reason > ").strip() if choice == "r" else ""
                if choice == "r" and not reason:
                    say("  请写明原因 / a reason is needed")
                    continue
                if choice not in ("a", "r"):
                    continue
                try:
                    if choice == "a":
                        say("  " + review.approve(submission.id, editor, record))
                    else:
                        review.reject(submission.id, editor, reason)
                    decided += 1
                except ProblemsFound as found:  # decided by another editor meanwhile: go on with the next
                    say("  " + "\n  ".join(p.sentence() for p in found.problems))
                break
    except EOFError:  # Ctrl-D, or the end of answers piped in: as q, each decision made is kept
        say("")
    return decided


def _place(review: Review, submission: Entry, ask, say) -> str | None:
    """Say which record an update goes into and what changes; ask when the rules cannot tell.
    Returns the record to approve into (None: as the rules place it), or "skip"."""
    register, match, _ = review.placement(submission)
    if match.kind in ("same", "new"):
        where = (
            f"记录 record {register.get(match.record, 'id')}"
            if match.kind == "same"
            else "新记录 a new record"
        )
        say(f"  登记册 register: {where}")
        for field, (old, new) in review.difference(submission).items():
            say(f"  变更 change {field}: {old or '（空 empty）'} -> {new}")
        return None
    say("  登记册中可能是 / in the register this could be:")
    for index in match.candidates or (match.record,):
        known = register.as_dict(index)
        say(
            "    "
            + "  ".join(
                f"{name}: {known[name]}"
                for name in ("id", "name", "birth_date", "college", "mobile", "email", "updated")
                if known.get(name)
            )
        )
    choice = ask(
        "是哪一条？写编号，新校友写 new，跳过按回车 / which record? its id, new, or Enter to skip > "
    ).strip()
    if not choice:
        return "skip"
    for field, (old, new) in review.difference(submission, choice).items():
        say(f"  变更 change {field}: {old or '（空 empty）'} -> {new}")
    return choice
