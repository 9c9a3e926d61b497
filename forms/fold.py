"""The fold: submissions landed in the bucket moved onto the review branch, one commit per run.

A scheduled job of the same deployment (forms.lambda_function.fold every minute during a
campaign, or invoke fold). It lists what has landed (forms/s3inbox.py), reads each object, adds
each row to its month's inbox file on the review branch (update/2026-11-v1.csv, see
forms.gitinbox.month_file) and pushes one commit. Only once the push is accepted does it delete
the objects whose rows are on the branch.

A submission's photos (landed before its row, forms/s3inbox.py) go onto the branch in the same
commit as the row, photos/<id>/1.jpg… as the git inbox writes them, and their objects are
deleted with the row's.

Submission ids are the key: a row whose id is in its file already is not added again. So a
fold killed anywhere (before its push, after its push but before its deletes, halfway through
them) is finished by the next one with nothing lost or doubled; and of two folds at once, the
second one's push is refused (the branch moved: compare-and-swap), it fetches the first one's
commit, finds those rows there and adds only what is still missing.

Registrations for events with places are counted here, on the branch, as the git storage counts
them (forms/places.py): the cancellations waiting in the bucket go into the form's
cancellations file in the same commit, and once the push is taken the fold works out every
registration's standing and writes each one that changed since it last wrote them (the new
ones, those moved up the waiting list), and that of each registration it found landed, for the
request function to answer with. Only then are
the folded objects deleted: a fold killed before that is finished by the next, which finds
the standings it had not written yet still different from the ones last written.
"""

from __future__ import annotations

import collections
import datetime
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from core import tables
from core.definitions import Form, load_forms
from core.problems import Gathering, Problem, ProblemsFound
from forms.gitinbox import (
    Branch,
    BranchUnavailable,
    Change,
    Remote,
    commit_message,
    month_file,
    registrations_on,
    remote_from_env,
)
from forms.inbox import BOOKKEEPING, photo_path
from forms.places import CANCELLED, cancellations_file, capacity_of, places
from forms.s3inbox import (
    ORPHAN_SECONDS,
    Bucket,
    Cancelling,
    Landed,
    LandingUnavailable,
    bucket_from_env,
)

ROOT = Path(__file__).resolve().parents[1]  # the zip's or the repository's: its forms/ and data/
LIMIT_ENV = "FORMS_FOLD_LIMIT"
LIMIT = 5000  # submissions per run: the rest wait for the next run
THREADS = 16  # objects read and deleted at once
# The branch as the last run left it, kept by a warm instance: the next run fetches only what
# changed since (or, if it has not moved, nothing), not every file of the tip again. A tip
# that moved meanwhile is safe: the push is refused and the run starts again from the new one.
_BRANCHES: dict[Remote, Branch] = {}


@dataclass(frozen=True)
class _Row:
    landed: Landed
    path: str  # its month's inbox file on the branch
    header: bytes
    line: bytes
    received: str
    record: dict[str, str] = field(default_factory=dict)  # the row as a reader reads it
    photos: dict[str, bytes] = field(default_factory=dict)  # path on the branch: bytes


@dataclass
class Folded:
    """What a fold did, in numbers, and the objects it left in the bucket and why."""

    landed: int = 0  # submissions found in the bucket
    added: int = 0  # rows this fold committed
    present: int = 0  # rows on the branch already (a fold killed after its push, or another fold)
    deleted: int = 0  # objects deleted once their rows were on the branch
    commits: int = 0
    cancelled: int = 0  # cancellations this fold committed
    standings: int = 0  # registrations' standings written (new, or changed since last written)
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> dict:
        """The figures as JSON for a scheduled function's result; problems as their sentences."""
        return {"landed": self.landed, "added": self.added, "present": self.present, "deleted": self.deleted,
                "commits": self.commits, "cancelled": self.cancelled, "standings": self.standings,
                "problems": [p.sentence() for p in self.problems]}  # fmt: skip

    def sentence(self, branch: str) -> str:
        zh = (f"存储桶里 {self.landed} 条提交：{self.added} 条加到 {branch}（{self.commits} 次提交），"
              f"{self.present} 条已在分支上，删除 {self.deleted} 个对象")  # fmt: skip
        en = (f"{self.landed} submissions landed: {self.added} added to {branch} in {self.commits} commit(s), "
              f"{self.present} on the branch already, {self.deleted} objects deleted")  # fmt: skip
        if self.cancelled or self.standings:
            zh += f"；取消 {self.cancelled} 条报名，更新 {self.standings} 条报名情况"
            en += f"; {self.cancelled} registrations cancelled, {self.standings} standings written"
        return f"{zh} / {en}"


@dataclass
class _Plan:
    """What a commit on one tip adds, and what it finds there already or cannot take."""

    files: dict[str, bytes] = field(default_factory=dict)
    added: collections.Counter[str] = field(default_factory=collections.Counter)
    present: int = 0
    refused: dict[str, Problem] = field(default_factory=dict)  # by key: left in the bucket
    cancelled: collections.Counter[str] = field(default_factory=collections.Counter)
    settled: list[str] = field(default_factory=list)  # cancellations' keys done with


@dataclass(frozen=True)
class Counting:
    """What the fold needs to count places: the forms that register for events, and the places
    of each event that has a number of them (data/events.csv's capacity)."""

    forms: frozenset[str] = frozenset()
    capacities: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, forms: Mapping[str, Form], events: list[dict[str, str]]) -> Counting:
        capacities = {str(row["id"]): capacity_of(row) for row in events}
        return cls(frozenset(name for name, form in forms.items() if form.registers),
                   {event: places for event, places in capacities.items() if places})  # fmt: skip


def fold(
    bucket: Bucket,
    branch: Branch,
    limit: int = LIMIT,
    orphan_seconds: float = ORPHAN_SECONDS,
    counting: Counting = Counting(),
) -> Folded:
    """Move up to limit landed submissions onto the branch in one commit, with the cancellations
    waiting, then write the standings that changed, then delete their objects.

    Raises LandingUnavailable or BranchUnavailable (nothing deleted) if the bucket cannot be read
    or the branch not pushed to; fold_from_env turns them into sentences.
    """
    folded = Folded()
    landed, strays, orphans = bucket.landed(limit, orphan_seconds)
    folded.problems += [_stray(bucket, key) for key in strays]
    folded.landed = len(landed)
    cancels = bucket.cancellations(orphan_seconds) if counting.forms else []
    if orphans:  # photos of submissions never acknowledged, an hour old: nobody will send their row
        with ThreadPoolExecutor(THREADS) as pool:
            folded.deleted += sum(1 for error in pool.map(_deleting(bucket), orphans) if not error)
    if not landed and not cancels:
        return folded
    photo_keys = [key for item in landed for key in item.photos]
    with ThreadPoolExecutor(THREADS) as pool:
        bodies = list(pool.map(lambda item: bucket.get(item.key), landed))
        photos = dict(zip(photo_keys, pool.map(bucket.get, photo_keys), strict=True))
    rows: list[_Row] = []
    for item, body in zip(landed, bodies, strict=True):
        if body is None:  # folded and deleted by another fold since the listing
            continue
        row = _row(item, body)
        if row is None:
            folded.problems.append(_stray(bucket, item.key))
        else:
            for key in item.photos:
                if photos[key] is not None:
                    row.photos[photo_path(item.id, key.rsplit("/", 1)[1])] = photos[key]
            rows.append(row)
    if not rows and not cancels:  # nothing to fold: the branch is not even fetched
        return folded
    rows.sort(key=lambda row: (row.received, row.landed.id))
    plan = _Plan()

    def change(tip: Branch) -> Change | None:
        """The rows not on the tip yet, added to their files, and the cancellations; called again
        on a newer tip if it moved."""
        nonlocal plan
        plan = _plan(rows, tip, bucket)
        _cancel(plan, cancels, tip)
        if not plan.files:
            return None
        message = commit_message(plan.added) if plan.added else ""
        if plan.cancelled:
            total = sum(plan.cancelled.values())
            counts = ", ".join(f"{form} {n}" for form, n in plan.cancelled.most_common())
            message += f"{'; c' if message else 'C'}ancel {total}: {counts}"
        return Change(plan.files, message)

    branch.commit(change)  # raises BranchUnavailable: then nothing is deleted
    folded.added, folded.present = sum(plan.added.values()), plan.present
    folded.cancelled = sum(plan.cancelled.values())
    folded.commits = 1 if plan.files else 0
    folded.problems += plan.refused.values()
    touched = {row.landed.form for row in rows} | {cancel.form for cancel in cancels}
    landed_ids = {row.landed.id for row in rows}
    folded.standings = _write_standings(bucket, branch, counting, touched & counting.forms, landed_ids)
    # Only now that the push is accepted and the standings written: the objects whose rows are
    # on the branch, and the cancellations it holds.
    listed = {
        key: tag
        for row in rows
        if row.landed.key not in plan.refused
        for key, tag in zip((row.landed.key, *row.landed.photos), row.landed.tags, strict=True)
    }
    done = bucket.unchanged(listed) + plan.settled
    with ThreadPoolExecutor(THREADS) as pool:
        failures = [error for error in pool.map(_deleting(bucket), done) if error]
    folded.deleted += len(done) - len(failures)
    if failures:  # harmless: the next fold finds those rows on the branch and deletes them then
        folded.problems.append(Problem(bucket.url, f"有 {len(failures)} 个已折叠的对象没能删除，下次折叠会再删（{failures[0]}）",
                                       f"{len(failures)} folded objects could not be deleted; the next fold deletes them ({failures[0]})",
                                       kind="bucket"))  # fmt: skip
    return folded


def _plan(rows: list[_Row], tip: Branch, bucket: Bucket) -> _Plan:
    plan = _Plan()
    grouped: dict[str, list[_Row]] = collections.defaultdict(list)
    for row in rows:
        grouped[row.path].append(row)
    for path, group in grouped.items():
        current = tip.read(path) or b""
        first = current.partition(b"\n")[0] + b"\n" if current else group[0].header
        if current and not current.endswith(b"\n"):
            current += b"\n"  # a file last saved by hand without its final line end
        # A row the tip holds already was folded before (by a fold killed after its push, or
        # another); a row of the same id that differs is the submission sent again since (after
        # a lost answer), which readers take in place of the first, as in every inbox (once_each).
        held = collections.defaultdict(list)
        for record in tables.parse_records(current, path) if current else []:
            held[record["id"]].append(record)
        new = []
        for row in group:
            if row.header != first:
                plan.refused[row.landed.key] = _other_columns(bucket, row)
            elif row.record in held[row.landed.id]:
                plan.present += 1
            else:
                new.append(row)
                held[row.landed.id].append(row.record)
        if new:
            plan.files[path] = (current or first) + b"".join(row.line for row in new)
            for row in new:
                plan.files.update(row.photos)
            plan.added.update("spam" if row.landed.spam else row.landed.form for row in new)
    return plan


def _cancel(plan: _Plan, cancels: list[Cancelling], tip: Branch) -> None:
    """Add the cancellations of registrations on the tip (or in this commit) to their forms'
    cancellations files. One whose registration is nowhere stays for the next fold, unless it
    is old: its registration never landed."""
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    for form in sorted({cancel.form for cancel in cancels}):
        rows, cancelled = registrations_on(tip, form, plan.files)
        held = {row["id"] for row in rows}
        path = cancellations_file(form)
        lines = []
        for cancel in (c for c in cancels if c.form == form):
            if cancel.id in held and cancel.id not in cancelled:
                lines.append(tables.line([cancel.id, now]))
                cancelled.add(cancel.id)
                plan.cancelled[form] += 1
            if cancel.id in held or cancel.old:
                plan.settled.append(cancel.key)
        if lines:
            plan.files[path] = (tip.read(path) or tables.line(CANCELLED)) + b"".join(lines)


def _write_standings(
    bucket: Bucket, branch: Branch, counting: Counting, forms: set[str], landed: set[str]
) -> int:
    """Every registration's standing at an event with places, worked out on the branch as pushed,
    written where it differs from what the fold last wrote (forms/s3inbox.py), and for every
    registration found landed in this run; how many.

    A request function writes "being counted" before its row, so a registration sent again while
    its first try was still on its way (both found no standing) may write it over the place a
    fold wrote meanwhile; its row lands after that, so writing the standing of every landed
    registration puts the place back."""
    written = 0
    for form in sorted(forms):
        rows, cancelled = registrations_on(branch, form, {})
        now = {}
        for event, capacity in counting.capacities.items():
            now.update(places(rows, cancelled, event, capacity))
        before = bucket.counted(form)
        changed = [i for i, standing in now.items() if before.get(i) != standing.as_json() or i in landed]
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(bucket.put_standing, [form] * len(changed), changed, [now[i] for i in changed]))
        if changed or now.keys() != before.keys():
            bucket.put_counted(form, {i: standing.as_json() for i, standing in now.items()})
        written += len(changed)
    return written


def _deleting(bucket: Bucket) -> Callable[[str], str | None]:
    def delete(key: str) -> str | None:
        try:
            bucket.delete(key)
        except LandingUnavailable as error:
            return str(error)
        return None

    return delete


def _row(item: Landed, body: bytes) -> _Row | None:
    """The object's row, if it is one row of a form's inbox whose id and version its key names."""
    head, _, line = body.partition(b"\n")
    try:
        [record] = tables.parse_records(body, item.key)
        received = datetime.datetime.fromisoformat(record["received"]).astimezone(datetime.UTC)
    except (ProblemsFound, ValueError, KeyError):
        return None
    if (list(record)[: len(BOOKKEEPING)] != BOOKKEEPING or record["id"] != item.id
            or record["form_version"] != item.version or not line.endswith(b"\n")):  # fmt: skip
        return None
    path = month_file(item.form, item.version, received.strftime("%Y-%m"), item.spam)
    return _Row(item, path, head + b"\n", line, record["received"], record)


def _stray(bucket: Bucket, key: str) -> Problem:
    return Problem(f"s3://{bucket.name}/{key}", "不是表单处理程序存入的提交，没有折叠，留在存储桶里：请查看后把它移出这个前缀",
                   "is not a submission stored by the form handler, so it was not folded and stays in the bucket: look at it and move it out of the prefix",
                   kind="bucket")  # fmt: skip


def _other_columns(bucket: Bucket, row: _Row) -> Problem:
    return Problem(f"s3://{bucket.name}/{row.landed.key}", f"的列与审核分支上的 {row.path} 不同，没有折叠：表单的字段改动后请提高它的 version",
                   f"has other columns than {row.path} on the review branch, so it was not folded: raise the form's version whenever its fields change",
                   kind="bucket")  # fmt: skip


def fold_from_env(
    env: Mapping[str, str] | None = None,
    forms_dir: Path = ROOT / "forms",
    events_csv: Path = ROOT / "data" / "events.csv",
) -> Folded:
    """Fold the bucket of FORMS_S3_URL onto the branch of FORMS_GIT_URL (docs/operators.md);
    every setting that cannot work, or a bucket or branch that cannot be reached, is a sentence."""
    env = os.environ if env is None else env
    gathered = Gathering()
    problems, checked = gathered.problems, gathered.run

    bucket = checked(bucket_from_env, env)
    remote = checked(remote_from_env, env)
    text = env.get(LIMIT_ENV, "").strip() or str(LIMIT)
    limit = int(text) if text.isascii() and text.isdigit() else 0
    if limit <= 0:
        problems.append(Problem(LIMIT_ENV, f"“{text}”不是正整数，请写如 {LIMIT} 的数",
                                f"“{text}” is not a positive whole number: write one such as {LIMIT}", kind="setting"))  # fmt: skip
    if problems:
        raise ProblemsFound(problems)
    branch = _BRANCHES.get(remote) or _BRANCHES.setdefault(remote, Branch(remote))
    counting = Counting.of(load_forms(forms_dir), tables.read_records(events_csv, "data/events.csv"))
    try:
        return fold(bucket, branch, limit, counting=counting)
    except LandingUnavailable as failure:
        raise ProblemsFound([Problem(str(failure),
                                     "无法读取存储桶里的提交：请检查 AWS_ENDPOINT_URL、存储桶名和本函数的权限（列出、读取、删除该前缀）；没有删除任何提交",
                                     "the landed submissions could not be read: check AWS_ENDPOINT_URL, the bucket's name and this function's permissions (list, read and delete under the prefix); no submission was deleted",
                                     kind="bucket")]) from None  # fmt: skip
    except BranchUnavailable as failure:
        raise ProblemsFound([Problem(str(failure),  # the repository's address, never its credentials
                                     "审核分支无法读取或写入：请检查网络和 FORMS_GIT_* 凭据；提交仍在存储桶里，下次折叠会再试",
                                     "the review branch could not be read or written: check the network and the FORMS_GIT_* credentials; the submissions stay in the bucket and the next fold tries again",
                                     kind="branch")]) from None  # fmt: skip
