"""Editors' and developers' commands. Run `invoke --list` to see them.

Each task parses its arguments, calls one function of office/ (or core/, forms/) and prints
what it returns. Problems found on the way are turned into a plain message and exit code 1 in
one place, `task` below: never a traceback.
"""

from __future__ import annotations

import copy
import datetime
import difflib
import functools
import getpass
import json as _json
import os
import re
import sys
import tempfile
from pathlib import Path

import invoke
from invoke import Exit

from core.datapackage import check_data
from core.definitions import load_forms
from core.problems import Problem, ProblemsFound
from core.site import site_name
from core.values import shown_moment
from forms.digest import compose, count, digest_settings_from_env, send_digest
from forms.fold import fold_from_env
from forms.gitinbox import DEFAULT_BRANCH
from office import live
from office.attendees import write_attendees
from office.build import build_once, build_site, clean_builds
from office.colleges import read_renames
from office.importer import import_register
from office.keys import default_key_directory, keygen_instructions, office_opener, write_keypair
from office.publishing import open_target, publish_site
from office.register import Register
from office.review import Review, as_json, interactive, open_inbox
from office.scaffold import new_content
from office.screenshots import contact_sheet
from office.stats import register_figures

ROOT = Path(__file__).parent
DATA = ROOT / "data"
REGISTER = DATA / "private" / "register.csv"


def task(*args, **kwargs):
    """invoke's @task, where every problem a task finds becomes one plain message and exit code 1."""

    def decorate(body):
        @functools.wraps(body)
        def run(*a, **k):
            try:
                return body(*a, **k)
            except ProblemsFound as found:
                raise Exit(str(found), code=1) from None

        return invoke.task(*args, **kwargs)(run)

    if len(args) == 1 and callable(args[0]) and not kwargs:  # @task without arguments
        body, args = args[0], ()
        return decorate(body)
    return decorate


def _build(settings_file: str) -> None:
    try:
        report = build_once(ROOT / settings_file)
    except ProblemsFound as found:
        raise ProblemsFound(found.problems, after="网站没有更新 / The site was not updated.") from None
    for warning in report.warnings:
        print(f"注意 / note: {warning}")
    seconds = f"{report.seconds:.1f}"
    print(f"已生成 {report.pages} 个页面，用时 {seconds} 秒 / built {report.pages} pages in {seconds}s")


@task(help={"package": "the data package descriptor to check"})
def validate(c, package="data/datapackage.yaml"):
    """Check data/ against data/datapackage.yaml without building; list every problem."""
    checked = check_data(ROOT / package, load_forms(ROOT / "forms"))
    for note in checked.notes:
        print(f"注意 / note: {note.sentence()}")
    tables, rows = len(checked.tables), sum(len(rows) for rows in checked.tables.values())
    print(f"数据无误：{tables} 个表，{rows} 行 / data is valid: {tables} tables, {rows} rows")


@task
def build(c):
    """Build the site into output/ (nothing changes there if any problem is found)."""
    _build("pelicanconf.py")


@task(help={"dry_run": "build, then list what would be uploaded and deleted without changing anything"})
def publish(c, dry_run=False):
    """Build with publishconf.py into output-publish/ and send it to PUBLISH_URL, uploading only what changed."""
    try:
        target = open_target(os.environ, ROOT)  # a wrong address or a missing key is told before the build
        _build("publishconf.py")
        report = publish_site(ROOT / "publishconf.py", target, os.environ, dry_run=dry_run)
    except ProblemsFound as found:
        raise ProblemsFound(found.problems, after="网站没有更新或没有更新完，旧的页面都还在；改正后再运行一次即可补齐 / "
                            "The site was not updated, or not completely: every old page is still there; fix this and run again.") from None  # fmt: skip
    if dry_run:
        print("\n".join(report.listing()))
    print(report.summary())
    if report.purge_problem:
        raise Exit(report.purge_problem.sentence(), code=1)


@task(
    help={
        "port": "the port to serve on (default 8000)",
        "host": "the address to serve on (default 127.0.0.1)",
    }
)
def serve(c, port="8000", host="127.0.0.1"):
    """Build and serve the site with the form handler on http://127.0.0.1:8000; build again on every change."""
    # `make serve` (the Makefile sets MAKE_SERVE) takes the port as PORT=, and so is it told.
    flag, written = (
        ("PORT", "make serve PORT={}") if os.environ.get("MAKE_SERVE") else ("--port", "--port {}")
    )
    if not str(port).isdigit() or not 0 < int(port) < 65536:  # a string: invoke's own int() would raise
        raise ProblemsFound([Problem(flag, f"“{port}”不是端口号，请写如 8000 的数字", f"'{port}' is not a port; write a number such as 8000")])  # fmt: skip
    live.serve(ROOT / "pelicanconf.py", DATA / "inbox", host, int(port), written=written)


@task(
    help={
        "output": "the image to write",
        "date": "the day the site is built for (YYYY-MM-DD); the demo's is 2026-11-23",
    }
)
def screenshots(c, output="docs/screenshots.jpg", date="2026-11-23"):
    """Screenshot every page type at 375 and 1280 px, both editions and larger text, onto one image in docs/."""
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "output"
        build_site(ROOT / "pelicanconf.py", {"OUTPUT_PATH": str(site), "BUILD_DATE": date or None})
        sheet = contact_sheet(site, ROOT / output)
    shown = sheet.relative_to(ROOT) if sheet.is_relative_to(ROOT) else sheet
    print(f"已写入 / written: {shown} ({sheet.stat().st_size // 1024} KB)")


@task
def clean(c):
    """Remove the built sites (output/, output-publish/) and the caches; a running invoke serve builds again."""
    removed = clean_builds([ROOT / "pelicanconf.py", ROOT / "publishconf.py"])
    shown = ", ".join(f"{path.relative_to(ROOT).as_posix()}/" for path in removed)
    if not removed:
        print("没有要删除的 / nothing to remove")
        return
    print(f"已删除 {shown}；下次生成从头开始，正在运行的 invoke serve 会自己重新生成 / removed {shown}: "
          "the next build starts from nothing, and a running invoke serve builds its site again by itself")  # fmt: skip


@task(
    help={
        "kind": "news, story or report",
        "title": "the title, in Chinese",
        "slug": "the address, if not the pinyin of the title",
        "project": "for a report: the project id",
        "year": "for a report: the year it is of (default: last year)",
    }
)
def new(c, kind, title, slug=None, project=None, year=None):
    """Start a news item, story or yearly report (content/reports/<project>-<year>.md) with today's date.

    invoke new news "重庆校友会2026年年会"   (or: story "标题"; report "标题" --project ID [--year 2024])
    """
    if year is not None and not str(year).isdigit():
        raise ProblemsFound([Problem("invoke new", f"--year “{year}”不是年份，请写如 2025", f"--year '{year}' is not a year; write one like 2025", field="year")])  # fmt: skip
    path = new_content(
        ROOT / "content", kind, title, datetime.datetime.now(), slug, project, int(year) if year else None
    )
    print(f"已创建 / created {path.relative_to(ROOT)}")


REVIEW_OPTIONS = {
    "branch": "read the submissions on this review branch (default: FORMS_GIT_BRANCH, or submissions)",
    "remote": "the repository of the review branch (default: FORMS_GIT_URL, or this checkout's origin)",
    "identity": "the office's private key file (default: FORMS_AGE_IDENTITY, or ~/.config/alumni-site/office.agekey)",
}


@task(
    help={
        "approve": "approve this submission id",
        "record": "with --approve of an update: the register record it is (an id, or new), when the rules cannot tell",
        "reject": "reject this submission id (give --reason)",
        "reason": "why it is rejected",
        "list": "list pending submissions",
        "json": "with --list: print JSON for scripts",
        "editor": "who decides (default: your login name)",
        **REVIEW_OPTIONS,
    }
)
def review(c, approve=None, reject=None, reason="", list=False, json=False, editor=None, branch=None, remote=None,
           identity=None, record=None):  # fmt: skip
    """Review pending submissions one by one, or decide one with --approve / --reject."""
    editor = editor or getpass.getuser()
    notes = DATA / "class_notes.csv"
    before = notes.read_bytes() if notes.exists() else b""
    inbox = Review(DATA, load_forms(ROOT / "forms"), inbox=open_inbox(DATA, branch, remote), opener=office_opener(identity))  # fmt: skip
    try:
        if approve:
            print(inbox.approve(approve, editor, record))
        elif reject:
            inbox.reject(reject, editor, reason)
            print(f"已拒绝 / rejected {reject}")
        elif list:
            pending = inbox.pending()
            if json:
                print(_json.dumps([as_json(s) for s in pending], ensure_ascii=False, indent=2))
            else:
                for s in pending:
                    print(f"{s.id}  {s.form.name:20} {shown_moment(s.row.get('received', ''))}")
                    for line in inbox.photo_lines(s):
                        print(f"    {line}")
                print(f"待审 {len(pending)} 条 / {len(pending)} pending")
        else:
            decided = interactive(inbox, editor)
            print(f"本次处理 {decided} 条 / {decided} decided")
    finally:
        if notes.exists() and notes.read_bytes() != before:
            folder = inbox.note_photos  # the notes' photos, once one has any
            photos = (
                f" {folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder}"
                if folder.is_dir()
                else ""
            )
            print("data/class_notes.csv 有新的班级动态，请提交并推送以发布 / has new class notes: commit and push it to publish:\n"
                  f"  git add data/class_notes.csv{photos} && git commit -m 'Publish class notes' && git push")  # fmt: skip


@task(
    name="import-register",
    help={
        "file": "the college's spreadsheet (.xlsx or .csv)",
        "college": "the college it comes from, e.g. 计算机学院",
        "identity": REVIEW_OPTIONS["identity"] + "; opens cells sealed by the form handler",
        "as-of": "the date the list is true of, YYYY-MM-DD (default: when the workbook was saved, else the file's time)",
        "new-college": "import a college the register does not know although it has one named almost the same",
    },
)
def import_register_task(c, file, college, identity=None, as_of=None, new_college=False):
    """Import a college's spreadsheet into the private register; report every row not taken.

    invoke import-register 计算机学院2026.xlsx --college 计算机学院
    """
    update = load_forms(ROOT / "forms")["update"]
    try:
        dated = datetime.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise Exit(f"--as-of “{as_of}”: 请写成 YYYY-MM-DD，如 2026-03-01 / write it as YYYY-MM-DD, such as 2026-03-01", code=1) from None  # fmt: skip
    try:
        report = import_register(
            Path(file),
            college,
            REGISTER,
            update,
            datetime.date.today(),
            office_opener(identity),
            as_of=dated,
            new_college=new_college,
            renames=read_renames(),  # the site's settings, as invoke stats reads them
        )
    except KeyboardInterrupt:
        Register.open(REGISTER, update)  # takes off history lines a save stopped half-way left
        raise Exit("已停止，登记册没有改动 / stopped; the register is unchanged", code=130) from None
    print(report.dated())
    for note in report.notes:
        print(f"注意 / note: {note.sentence()}")
    left = report.rows - report.added - report.updated - report.unchanged  # rows reported, not taken
    print(f"{report.rows} 行：新增 {report.added}，更新 {report.updated}，无变化 {report.unchanged}，未导入 {left} / "
          f"{report.rows} rows: {report.added} added, {report.updated} updated, {report.unchanged} unchanged, {left} not taken")  # fmt: skip
    if report.problems:
        print(f"{len(report.problems)} 处未能导入，详见 / {len(report.problems)} values not taken, see {report.report_file}")  # fmt: skip


@task(
    help={
        "event": "the event's id in data/events.csv, e.g. homecoming-2027",
        **REVIEW_OPTIONS,
    }
)
def attendees(c, event, branch=None, remote=None, identity=None):
    """Write an event's sign-in sheet, QR codes and cards to print, under data/private/checkin/EVENT/.

    invoke attendees beijing-newyear-2027   (the event's id in data/events.csv)
    """
    inbox = open_inbox(DATA, branch, remote)
    written = write_attendees(event, DATA, inbox, office_opener(identity), ROOT / "theme")
    print(written.summary(ROOT))


@task
def stats(c):
    """Register figures per college against the targets, and this year's reunion classes."""
    text, report = register_figures(REGISTER, ROOT / "theme", datetime.date.today())
    print(text)
    print(f"报告 / report: {report}")


@task(
    help={"directory": "where to write the private key (default ~/.config/alumni-site, never the repository)"}
)
def keygen(c, directory=None):
    """Make the office's key pair: the private key opens submissions, the public key goes to the handler."""
    path, recipient = write_keypair(Path(directory) if directory else default_key_directory())
    print(keygen_instructions(path, recipient))


@task(
    help={
        "hours": "count as new what arrived in the last N hours (default 24: run it daily)",
        "dry_run": "print the digest instead of sending it",
        "branch": REVIEW_OPTIONS["branch"],
        "remote": REVIEW_OPTIONS["remote"],
    }
)
def digest(c, hours="24", dry_run=False, branch=None, remote=None):
    """E-mail or post to a chat the counts of new and pending submissions per form (never their content)."""
    if not str(hours).replace(".", "", 1).isdigit():  # a string: invoke's own int() would raise
        raise ProblemsFound([Problem("--hours", f"“{hours}”不是小时数，请写如 24 的数字", f"'{hours}' is not a number of hours; write one such as 24")])  # fmt: skip
    since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=float(hours))
    counts = count(open_inbox(DATA, branch, remote), load_forms(ROOT / "forms"), since)
    if dry_run:
        print("\n\n".join(compose(counts, site_name())))
        return
    sent = send_digest(counts, digest_settings_from_env(), site_name())
    if sent:
        print(f"已发送 / sent to {', '.join(sent)}: {counts.new} 条新提交 / new")
    else:
        print("没有新提交，未发送 / nothing new, nothing sent")


@task
def fold(c):
    """Move the submissions landed in FORMS_S3_URL onto the review branch: one commit, then delete them."""
    folded = fold_from_env()
    print(folded.sentence(os.environ.get("FORMS_GIT_BRANCH") or DEFAULT_BRANCH))
    if folded.problems:
        raise ProblemsFound(folded.problems)


def _tasks() -> dict[str, invoke.Task]:
    return {
        value.name or name.replace("_", "-"): value
        for name, value in globals().items()
        if isinstance(value, invoke.Task)
    }


def _help_asked_after_the_task(argv: list[str]) -> None:
    """`invoke new --help` is answered as `invoke --help new` is: invoke would read the --help of
    a task with positional arguments as the argument (the title, the file, the event's id)."""
    if len(argv) > 2 and argv[1] in _tasks() and "--help" in argv[2:]:
        os.execv(sys.executable, [sys.executable, "-m", "invoke", "--help", argv[1]])


def _left_out(argv: list[str]) -> None:
    """An argument written without a flag (the title, the file, the event) that was left out is
    told as a plain sentence with the example of the task's docstring (its line starting
    "invoke "), and so is a flag left without its value: invoke's own answer is an English line
    that says nothing of what to write; so is a mistyped option or task. The words are parsed
    here the way invoke will parse them, as it parses the task's only after this file is loaded."""
    name = argv[1] if len(argv) > 1 else ""
    task = _tasks().get(name)
    if task is None:
        _no_such_task(name)
        return
    found = copy.copy(task)
    found.help = dict(found.help)  # get_arguments() takes the help it uses out of the dict
    arguments = found.get_arguments()
    try:
        invoke.Parser(contexts=[invoke.ParserContext(name=name, args=arguments)]).parse_argv(argv[1:])
        return
    except invoke.ParseError as error:
        missing = error.context.missing_positional_args if error.context else []
        flag = re.match(r"Flag <Argument: (\S+)", str(error))  # "… needed value and was not given one!"
        unknown = re.match(r"No idea what '(-.*)' is!$", str(error))
    if unknown:
        _no_such_option(name, unknown[1], arguments)
    if flag:
        [argument] = [a for a in arguments if a.name == flag[1]]
        flag = "--" + argument.name.replace("_", "-")
        problem = Problem(f"invoke {name}", f"{flag} 后面少了值（{argument.help}）",
                          f"{flag} needs a value after it ({argument.help})", field=argument.name)  # fmt: skip
        raise Exit(str(ProblemsFound([problem])), code=1)
    if not missing:
        return  # another mistake, which invoke tells as it is
    example = next(line for line in found.__doc__.splitlines() if line.strip().startswith("invoke "))
    example = example.strip().split("  ")[0]  # without the words after it
    what = "; ".join(f"{argument.name} ({argument.help})" for argument in missing)
    problem = Problem(f"invoke {name}", f"少了 {what}，请照这样写：{example}",
                      f"missing: {what}; write it like this: {example}", field=missing[0].name)  # fmt: skip
    raise Exit(str(ProblemsFound([problem])), code=1)


def _no_such_task(name: str) -> None:
    """A task's name mistyped (invoke biuld) is told with the one meant: invoke's own answer is
    "No idea what 'biuld' is!"."""
    program = Path(sys.argv[0])
    if program.name not in ("invoke", "inv") and program.parent.name != "invoke":
        return  # loaded by another program (pytest imports this file)
    if not name or name.startswith("-"):
        return  # invoke's own options (--list, --help…)
    close = difflib.get_close_matches(name, _tasks(), n=1)
    meant = f"是不是想写 invoke {close[0]}？" if close else ""
    meant_en = f"did you mean invoke {close[0]}? " if close else ""
    problem = Problem("invoke", f"没有 {name} 这个命令，{meant}invoke --list 列出所有命令",
                      f"there is no task {name}; {meant_en}invoke --list lists them all")  # fmt: skip
    raise Exit(str(ProblemsFound([problem])), code=1)


def _no_such_option(name: str, written: str, arguments: list[invoke.Argument]) -> None:
    """An option mistyped (--projcet, --dryrun, --dry_run) is told with the one meant. invoke's
    own options pass after a task's name too, but for --dry on a task with --dry-run: invoke
    takes it as its own (echo commands, which these tasks do not run), and publish would run."""
    flags = ["--" + argument.name.replace("_", "-") for argument in arguments]
    program = invoke.Program()
    own = {
        ("-" if len(n) == 1 else "--") + n for a in program.core_args() + program.task_args() for n in a.names
    }
    if written.split("=")[0] in own and not (written == "--dry" and "--dry-run" in flags):
        return
    close = difflib.get_close_matches(written.split("=")[0].replace("_", "-"), flags, n=1, cutoff=0.5)
    if close:
        zh, en = f"是不是想写 {close[0]}？", f"did you mean {close[0]}?"
    else:
        zh, en = f"它的选项见 invoke {name} --help", f"see invoke {name} --help for its options"
    problem = Problem(f"invoke {name}", f"没有 {written} 这个选项，{zh}", f"there is no option {written}; {en}")  # fmt: skip
    raise Exit(str(ProblemsFound([problem])), code=1)


_help_asked_after_the_task(sys.argv)
_left_out(sys.argv)
