"""From the inbox to the register and the site: real handler, real files, every decision kept."""

import datetime
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
from urllib.parse import urlencode, urlsplit

import pytest
from markupsafe import escape

from core.datapackage import validate_package
from core.definitions import load_forms
from core.events import midday, open_events
from core.problems import ProblemsFound
from core.sealing import Opener, Sealer, generate_keypair
from core.tables import read_records, write_table
from forms.digest import count
from forms.gitinbox import Branch, BranchFiles, GitInbox, Remote
from forms.inbox import LocalInbox
from forms.submission import check
from office.importer import import_register
from office.register import read_register
from office.review import Review, as_json, interactive
from tests.servers import launch, stop
from tests.support import BUILD_DATE, ROOT, build_repo, free_port

TODAY = datetime.date.fromisoformat(BUILD_DATE)
CONTACT = {
    "name": "李华",
    "email": "li.hua@example.com",
    "subject": "返校日",
    "message": "请问几点开始？",
    "consent": "yes",
}
SUBMISSIONS = [
    ("update", {"name": "周晓梅", "gender": "female", "relation": "staff", "staff_years": "1990-2015", "staff_unit": "图书馆",
                "mobile": "139 1111 2222", "email": "zhou.xm@example.com", "address": "示例市学府路88号3栋201室", "consent": "yes"}),
    ("class-note", {"class_year": "1992", "college": "化学学院", "author": "九二级化学班", "title": "三十年后再相聚",
                    "body": "今年秋天，我们班二十多位同学回到化学楼，在当年的实验室门口合影留念。", "email": "note@example.com", "consent": "yes"}),
    ("event-registration", {"event": "homecoming-2027", "name": "李华", "mobile": "13900003333", "guests": "1", "consent": "yes"}),
    ("update", {"name": "测试", "gender": "male", "relation": "staff", "staff_years": "2000-", "staff_unit": "后勤", "mobile": "13700001111", "consent": "yes"}),
]  # fmt: skip


def post(url: str, form: str, fields: dict) -> str:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request(
        "POST",
        f"/api/forms/{form}",
        urlencode(fields),
        {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
    )
    answer = json.loads(connection.getresponse().read())
    connection.close()
    return answer["id"]


@pytest.fixture
def repo(tmp_path):
    """A site repository in tmp_path whose inbox has been filled through the real handler."""
    shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("private", "inbox"))
    (tmp_path / "content").mkdir()
    handler = launch(tmp_path, FORMS_INBOX=str(tmp_path / "data" / "inbox"))
    try:
        ids = [post(handler.url, form, fields) for form, fields in SUBMISSIONS]
    finally:
        stop(handler)
    return tmp_path, ids


def review_of(path) -> Review:
    forms = load_forms(ROOT / "forms", open_events(read_records(path / "data/events.csv"), midday(TODAY)))
    return Review(path / "data", forms, TODAY)


def test_approve_and_reject_reach_the_register_the_site_and_the_log(repo):
    path, (update, note, registration, unwanted) = repo
    review = review_of(path)
    assert [s.id for s in review.pending()] == [update, note, registration, unwanted]
    assert review.difference(review.get(update))["mobile"] == ("", "13911112222")

    assert "A0000001" in review.approve(update, "编辑甲")
    review.approve(note, "编辑甲")
    review.approve(registration, "编辑乙")
    review.reject(unwanted, "编辑乙", "测试提交")

    [record] = read_register(path / "data/private/register.csv")
    assert (record["name"], record["mobile"], record["staff_unit"]) == ("周晓梅", "13911112222", "图书馆")
    [attendee] = read_records(path / "data/private/attendees.csv")
    assert (attendee["event"], attendee["name"]) == ("homecoming-2027", "李华")
    log = read_records(path / "data/private/decisions.csv")
    assert [(d["submission"], d["decision"], d["editor"], d["reason"]) for d in log] == [
        (update, "approved", "编辑甲", ""), (note, "approved", "编辑甲", ""),
        (registration, "approved", "编辑乙", ""), (unwanted, "rejected", "编辑乙", "测试提交"),
    ]  # fmt: skip
    assert review.pending() == []

    build_repo(path)  # the guard checks that nothing private is published
    notes = (path / "output/class-notes/index.html").read_text(encoding="utf-8")
    assert "三十年后再相聚" in notes and "note@example.com" not in notes
    published = "".join(p.read_text(encoding="utf-8") for p in (path / "output").rglob("*.html"))
    assert "周晓梅" not in published and "李华" not in published


def test_an_update_that_would_leave_its_record_contradicting_itself_is_refused(make_repo):
    """The defect: approved, an update sent before the form checked its dates, or whose years
    contradict the birth date the register holds, left a record `invoke validate` refuses."""
    repo = make_repo({})
    forms = load_forms(ROOT / "forms")
    inbox = LocalInbox(repo / "data/inbox")
    student = {"name": "王磊", "gender": "male", "relation": "student", "college": "化学学院", "degree": "bachelor",
               "mobile": "13900005555", "consent": "yes"}  # fmt: skip
    first = inbox.append(forms["update"], {**student, "birth_date": "1990-05-01", "year_entered": "2008", "year_graduated": "2012"})  # fmt: skip
    backwards = inbox.append(forms["update"], {**student, "year_entered": "2012", "year_graduated": "2008"})
    earlier = inbox.append(forms["update"], {**student, "year_entered": "1985", "year_graduated": "1989"})
    review = Review(repo / "data", forms, TODAY)
    review.approve(first, "编辑甲")
    register = (repo / "data/private/register.csv").read_bytes()
    for submission, said in ((backwards, "Year graduated 2008 is before the year entered, 2012"),
                             (earlier, "Date of birth 1990-05-01 is not before the year entered, 1985")):  # fmt: skip
        with pytest.raises(ProblemsFound) as refused:
            review.approve(submission, "编辑甲")
        assert said in refused.value.problems[0].en and refused.value.problems[0].value == submission
    assert (repo / "data/private/register.csv").read_bytes() == register  # nothing taken
    assert [s.id for s in review.pending()] == [backwards, earlier]  # still to decide: reject them
    validate_package(repo / "data/private.datapackage.yaml")


def test_deciding_twice_is_refused(repo):
    path, (update, *_) = repo
    review = review_of(path)
    review.approve(update, "编辑甲")
    with pytest.raises(ProblemsFound, match="不能重复决定"):
        review.reject(update, "编辑乙", "再看看")
    assert len(read_records(path / "data/private/decisions.csv")) == 1


def test_a_submission_decided_already_says_when_in_this_computers_time(make_repo, in_beijing):
    """The defect: the refusal quoted the log's UTC (已于 2026-11-23T01:15:42+00:00 由 …)."""
    repo = make_repo({})
    forms = load_forms(ROOT / "forms")
    submission = LocalInbox(repo / "data/inbox").append(forms["contact"], CONTACT)
    review = Review(repo / "data", forms, TODAY)
    review.reject(submission, "编辑甲", "测试")
    with pytest.raises(ProblemsFound) as refused:
        review.approve(submission, "编辑乙")
    logged = read_records(repo / "data/private/decisions.csv")[0]["decided_at"]
    shown = datetime.datetime.fromisoformat(logged).astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    assert f"已于 {shown:%Y-%m-%d %H:%M} CST (UTC+08:00) 由 编辑甲 处理（rejected）" in str(refused.value)
    assert f"by 编辑甲 at {shown:%Y-%m-%d %H:%M} CST (UTC+08:00)" in str(refused.value)


def test_a_review_interrupted_after_applying_is_finished_once(repo):
    path, (update, note, *_) = repo
    review = review_of(path)
    review._merge_into_register(
        review.get(update), "编辑甲", None
    )  # the run stopped here, before the log line
    review._publish_class_note(review.get(note))
    assert {s.id for s in review.pending()} >= {update, note}  # not decided yet, so nothing is lost
    review.approve(update, "编辑甲")
    review.approve(note, "编辑甲")
    assert len(read_register(path / "data/private/register.csv")) == 1
    assert [r["title"] for r in read_records(path / "data/class_notes.csv")].count("三十年后再相聚") == 1


def test_an_interactive_review_can_stop_half_way(repo):
    path, (update, _, _, unwanted) = repo
    review = review_of(path)
    answers = iter(["s", "a", "r", "", "r", "重复报名", "q"])
    said = []
    assert interactive(review, "编辑丙", ask=lambda _: next(answers), say=said.append) == 2
    assert [s.id for s in review.pending()] == [update, unwanted]
    assert any("变更 change mobile" in line for line in said)
    assert "请写明原因 / a reason is needed" in "\n".join(said)


def test_the_private_files_fit_their_data_package(repo):
    path, (update, note, registration, unwanted) = repo
    shutil.copy(ROOT / "data/private.datapackage.yaml", path / "data")
    review = review_of(path)
    for submission in (update, note, registration):
        review.approve(submission, "编辑甲")
    review.reject(unwanted, "编辑甲", "重复")
    tables = validate_package(path / "data/private.datapackage.yaml").tables
    assert [len(tables[name]) for name in ("register", "decisions", "attendees")] == [1, 4, 1]


@pytest.mark.parametrize("typed", ["a\nq\n", "a\n"], ids=["quit", "ctrl-d"])
def test_the_review_reads_answers_typed_at_a_real_prompt(repo, typed):
    # Ctrl-D, or the end of answers piped in, ends the review as q does: it was a traceback.
    path, (update, *_) = repo
    script = (
        "import datetime, sys; from pathlib import Path; from core.definitions import load_forms; from core.events import midday, open_events; from core.tables import read_records;"
        "from office.review import Review, interactive; p = Path(sys.argv[1]); t = datetime.date(2026, 11, 23);"
        "print(interactive(Review(p / 'data', load_forms(Path('forms'), open_events(read_records(p / 'data/events.csv'), midday(t))), t), '编辑丁'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        input=typed,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=30,
    )
    assert result.returncode == 0 and result.stdout.strip().endswith("1"), result.stderr
    assert [d["submission"] for d in read_records(path / "data/private/decisions.csv")] == [update]


IDENTITY, RECIPIENT = generate_keypair()


@pytest.fixture
def branch(git_daemon, tmp_path):
    """The review branch of a local git server, filled as the handler fills it (private fields sealed)."""
    forms = load_forms(ROOT / "forms", open_events(read_records(ROOT / "data/events.csv"), midday(TODAY)))
    inbox, sealer = GitInbox(Remote(git_daemon.url)), Sealer(RECIPIENT)
    checked = [
        (forms[form], check(forms[form], fields).values) for form, fields in SUBMISSIONS
    ]  # as the handler does
    ids = [inbox.append(form, sealer.seal_values(form, values)) for form, values in checked]
    shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("private", "inbox"))
    return git_daemon, tmp_path / "data", forms, ids


def branch_review(git_daemon, data, forms, opener=None) -> Review:
    return Review(data, forms, TODAY, inbox=BranchFiles(Branch(Remote(git_daemon.url))), opener=opener)


def test_the_review_branch_is_reviewed_with_the_key_and_decisions_are_pushed(branch):
    server, data, forms, (update, note, registration, unwanted) = branch
    review = branch_review(server, data, forms, Opener(IDENTITY))
    assert [s.id for s in review.pending()] == [update, note, registration, unwanted]
    assert review.difference(review.get(update))["mobile"] == ("", "13911112222")  # opened with the key
    review.approve(update, "编辑甲")
    review.approve(note, "编辑甲")
    review.approve(registration, "编辑乙")
    review.reject(unwanted, "编辑乙", "测试提交")

    [record] = read_register(data / "private/register.csv")  # private data stays on this computer
    assert (record["name"], record["mobile"], record["email"]) == (
        "周晓梅",
        "13911112222",
        "zhou.xm@example.com",
    )
    assert read_records(data / "private/attendees.csv")[0]["mobile"] == "13900003333"
    assert [r["title"] for r in read_records(data / "class_notes.csv")][-1] == "三十年后再相聚"
    log = server.rows("decisions.csv")
    assert [(d["submission"], d["decision"], d["editor"]) for d in log] == [
        (update, "approved", "编辑甲"), (note, "approved", "编辑甲"),
        (registration, "approved", "编辑乙"), (unwanted, "rejected", "编辑乙"),
    ]  # fmt: skip
    messages = server.git("log", "--format=%s", "-4", "submissions").splitlines()
    assert messages == ["Record 1 decision: rejected 1"] + ["Record 1 decision: approved 1"] * 3
    assert branch_review(server, data, forms).pending() == []  # what another editor's review sees


def test_a_submission_decided_by_another_editor_meanwhile_is_refused(branch):
    server, data, forms, (update, *_) = branch
    mine, theirs = (branch_review(server, data, forms, Opener(IDENTITY)) for _ in range(2))
    assert {s.id for s in mine.pending()} == {s.id for s in theirs.pending()}
    theirs.reject(update, "编辑乙", "重复提交")
    with pytest.raises(ProblemsFound, match="由 编辑乙 处理（rejected），不能重复决定"):
        mine.approve(update, "编辑甲")
    assert read_register(data / "private/register.csv") == []  # nothing applied on a stale view
    assert [d["editor"] for d in server.rows("decisions.csv")] == ["编辑乙"]


def test_sealed_fields_need_the_office_key_and_say_so(branch):
    server, data, forms, (update, *_) = branch
    review = branch_review(server, data, forms)
    listed = as_json(review.pending()[0])  # listing needs no key: private fields are masked
    assert listed["fields"]["mobile"] == "•••" and listed["fields"]["name"] == "周晓梅"
    with pytest.raises(ProblemsFound) as refused:
        review.approve(update, "编辑甲")
    assert refused.value.problems[0].sentence() == (
        "submissions:update-v1.csv, 第 2 行 (row 2), 字段 mobile: 私密字段已加密，需要办公室的私钥才能审核："
        "请用 --identity 或环境变量 FORMS_AGE_IDENTITY 指定私钥文件 office.agekey / private fields are sealed "
        "and need the office's private key: give the key file office.agekey with --identity or FORMS_AGE_IDENTITY"
    )
    assert not (data / "private/register.csv").exists()


def test_the_digest_counts_new_and_pending_per_form(branch):
    server, data, forms, (update, *_) = branch
    review = branch_review(server, data, forms, Opener(IDENTITY))
    review.reject(update, "编辑甲", "重复")
    digest = count(review.inbox, forms, datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1))
    assert (digest.counts, digest.pending) == (
        {"update": 2, "class-note": 1, "event-registration": 1},
        {"update": 1, "class-note": 1, "event-registration": 1},
    )
    assert count(review.inbox, forms, datetime.datetime.now(datetime.UTC)).new == 0


def invoke_task(*args: str, tmp_path, **env: str) -> subprocess.CompletedProcess:
    """The editor's command line, with a config folder of its own (no key unless given)."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("FORMS_")}
    environment.update(XDG_CONFIG_HOME=str(tmp_path / "config"), **env)
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=60)  # fmt: skip


def test_invoke_review_and_digest_read_the_branch_of_a_remote(branch, tmp_path):
    server, _, _, ids = branch
    listed = invoke_task("review", "--list", "--remote", server.url, tmp_path=tmp_path, TZ="Asia/Shanghai")
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[0] for line in listed.stdout.splitlines()[:-1]] == ids
    # When each arrived, as a person reads it: to the minute, in this computer's time and zone
    # (CST: China Standard Time, as the computer's clock shows it, with its offset).
    assert all(
        re.search(r"  \d{4}-\d\d-\d\d \d\d:\d\d CST \(UTC\+08:00\)$", line)
        for line in listed.stdout.splitlines()[:-1]
    )
    assert listed.stdout.splitlines()[-1] == "待审 4 条 / 4 pending"
    digest = invoke_task("digest", "--dry-run", tmp_path=tmp_path, FORMS_GIT_URL=server.url)
    assert digest.returncode == 0, digest.stderr
    assert "- update：新 2 条，待审核共 2 条 / 2 new, 2 pending in all" in digest.stdout
    assert "周晓梅" not in digest.stdout and "示例大学校友总会" in digest.stdout


def test_invoke_review_without_the_key_says_where_to_give_it(branch, tmp_path):
    server, _, _, (update, *_) = branch
    result = invoke_task("review", "--approve", update, "--remote", server.url, tmp_path=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "请用 --identity 或环境变量 FORMS_AGE_IDENTITY 指定私钥文件 office.agekey" in result.stderr


def test_invoke_review_of_an_unreachable_branch_says_so(tmp_path):
    url = f"git://127.0.0.1:{free_port()}/site.git"
    result = invoke_task("review", "--list", "--remote", url, tmp_path=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "审核分支无法读取或写入" in result.stderr and url in result.stderr


def test_invoke_review_of_a_branch_that_is_not_there_names_the_branches_that_are(branch, tmp_path):
    """The defect: --branch nosuch (mistyped) listed "待审 0 条 / 0 pending", as if nothing had come."""
    server, *_ = branch
    result = invoke_task("review", "--list", "--branch", "nosuch", "--remote", server.url, tmp_path=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr and "pending" not in result.stdout
    assert (
        f"{server.url}, 字段 branch: “nosuch”这个仓库里没有这个分支（现有分支：main、submissions）：请用 --branch "
        "写审核分支的名字；如果还没有人提交过表单，表单处理程序收到第一份提交时才会建立它 / this repository has no "
        "such branch (its branches: main, submissions): give the review branch's name with --branch; if no form has been "
        "sent yet, the form handler makes it with the first submission"
    ) in result.stderr


def test_an_approved_class_note_is_published_as_typed_and_kept_inert_in_its_file(make_repo):
    repo = make_repo({})
    forms = load_forms(ROOT / "forms")
    inbox = LocalInbox(repo / "data" / "inbox")
    bylines = ["-八六级", "'八六级", "=SUM(1,2)", "@八六级"]
    note = {"class_year": "1986", "college": "化学学院", "title": "毕业四十年", "body": "四十年后再相聚，大家都好。" * 2,
            "email": "class86@example.com", "consent": "yes"}  # fmt: skip
    ids = [inbox.append(forms["class-note"], {**note, "author": byline}) for byline in bylines]
    review = Review(repo / "data", forms, TODAY)
    for submission in ids:
        review.approve(submission, "编辑甲")
    stored = (repo / "data/class_notes.csv").read_text(encoding="utf-8")
    assert ",'-八六级," in stored and ",''八六级," in stored  # inert for a spreadsheet...
    build_repo(repo)
    page = (repo / "output/class-notes/index.html").read_text(encoding="utf-8")
    for byline in bylines:  # ...and shown as typed on the site
        assert f'<p class="meta">{escape(byline)} · ' in page
    assert escape("'-八六级") not in page and escape("''八六级") not in page


STUDENT = {"name": "王立新", "gender": "male", "birth_date": "1978-07-01", "relation": "student", "degree": "bachelor",
           "year_entered": "1996", "year_graduated": "2000", "college": "计算机学院", "mobile": "139 2222 3333",
           "email": "wang.lx@example.com", "employer": "示例云计算", "consent": "yes"}  # fmt: skip
COLLEGE_LIST = "姓名,性别,出生日期,入校时间,毕业时间,手机,现工作单位\n王立新,男,1978/7/1,1996.09,2000年7月,13900001111,示例科技\n"


def test_an_update_from_a_known_alumnus_updates_the_record_in_place_end_to_end(tmp_path):
    """The handler under gunicorn takes the update, the review merges it into the record the
    college's list made (never a second record), and a later import of that list keeps it."""
    shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("private", "inbox"))
    register_path = tmp_path / "data/private/register.csv"
    listed = tmp_path / "cs-2025.csv"
    listed.write_text(COLLEGE_LIST, encoding="utf-8")
    forms = load_forms(ROOT / "forms")
    import_register(listed, "计算机学院", register_path, forms["update"], TODAY)
    [before] = read_register(register_path)
    handler = launch(tmp_path, FORMS_INBOX=str(tmp_path / "data" / "inbox"))
    try:
        update = post(handler.url, "update", STUDENT)
    finally:
        stop(handler)
    review = Review(tmp_path / "data", forms, TODAY)
    assert review.difference(review.get(update))["mobile"] == ("13900001111", "13922223333")
    said = review.approve(update, "编辑甲")
    assert (
        said.startswith(f"登记册记录 {before['id']} 已更新") and "mobile: 13900001111 -> 13922223333" in said
    )
    [after] = read_register(register_path)
    assert (after["id"], after["mobile"], after["employer"]) == (before["id"], "13922223333", "示例云计算")
    assert (after["source"], after["confirmed"]) == (f"form:{update}", BUILD_DATE)
    assert {"mobile", "employer", "email"} <= set(after["alumni_fields"].split())
    history = read_records(register_path.with_name("register-history.csv"))
    assert [(h["field"], h["old"], h["new"], h["by"]) for h in history if h["source"] == f"form:{update}" and h["field"] == "mobile"] == [
        ("mobile", "13900001111", "13922223333", "编辑甲")
    ]  # fmt: skip
    again = import_register(
        listed, "计算机学院", register_path, forms["update"], TODAY
    )  # the old list once more
    [kept] = read_register(register_path)
    assert (kept["mobile"], kept["employer"]) == ("13922223333", "示例云计算")
    assert sorted(p.field for p in again.problems) == ["手机", "现工作单位"]


def _update_after_list(repo, tmp_path, listed: str, name: str) -> tuple[Review, str]:
    """A computer-science list imported, then an update sent under `name` with mobile 13800005555."""
    forms = load_forms(ROOT / "forms")
    import_register(_write(tmp_path / "list.csv", listed), "计算机学院", repo / "data/private/register.csv",
                    forms["update"], TODAY)  # fmt: skip
    submission = LocalInbox(repo / "data" / "inbox").append(forms["update"], {"name": name, "gender": "male", "relation": "student",
                                                           "college": "计算机学院", "mobile": "13800005555", "consent": "yes"})  # fmt: skip
    return Review(repo / "data", forms, TODAY), submission


def test_an_update_the_rules_cannot_place_asks_the_editor(tmp_path, make_repo):
    repo = make_repo({})
    review, submission = _update_after_list(
        repo, tmp_path, "姓名,出生日期\n张伟,1980-01-01\n张伟,1985-06-06\n", "张伟"
    )
    with pytest.raises(ProblemsFound) as asked:
        review.approve(submission, "编辑甲")
    assert (
        "could be A0000001, A0000002 in the register" in asked.value.problems[0].en
        and "--record" in asked.value.problems[0].en
    )
    assert len(read_register(repo / "data/private/register.csv")) == 2 and review.pending()
    review.approve(submission, "编辑甲", record="A0000002")
    records = {r["id"]: r for r in read_register(repo / "data/private/register.csv")}
    assert (len(records), records["A0000002"]["mobile"], records["A0000001"]["mobile"]) == (
        2,
        "13800005555",
        "",
    )


def test_an_update_under_a_new_name_with_a_records_mobile_says_why_it_asks(tmp_path, make_repo):
    repo = make_repo({})
    review, submission = _update_after_list(
        repo, tmp_path, "姓名,出生日期,手机\n张三丰,1980-01-01,13800005555\n", "张君宝"
    )
    with pytest.raises(ProblemsFound) as asked:
        review.approve(submission, "编辑甲")
    [problem] = asked.value.problems
    assert "the mobile or e-mail of A0000001 (张三丰)" in problem.en and "--record A0000001" in problem.en
    assert len(read_register(repo / "data/private/register.csv")) == 1 and review.pending()


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_every_field_the_alumnus_gave_is_kept_from_later_lists_even_one_equal_to_the_register(
    tmp_path, make_repo
):
    """The defect: only the fields an update changed were protected; a gender or a year the
    alumnus confirmed as it was was overwritten by the next list."""
    repo = make_repo({})
    register_path = repo / "data/private/register.csv"
    forms = load_forms(ROOT / "forms")
    import_register(_write(tmp_path / "a.csv", "姓名,性别,出生日期,入校时间\n王立新,男,1978-07-01,1996\n"), "计算机学院",
                    register_path, forms["update"], TODAY)  # fmt: skip
    inbox = LocalInbox(repo / "data" / "inbox")
    submission = inbox.append(forms["update"], {**STUDENT, "mobile": "13922223333"})
    Review(repo / "data", forms, TODAY).approve(submission, "编辑甲")
    [record] = read_register(register_path)
    assert {"gender", "year_entered", "birth_date", "mobile"} <= set(record["alumni_fields"].split())
    later = import_register(_write(tmp_path / "b.csv", "姓名,性别,出生日期,入校时间\n王立新,女,1978-07-01,1997\n"), "计算机学院",
                            register_path, forms["update"], TODAY)  # fmt: skip
    [kept] = read_register(register_path)
    assert (kept["gender"], kept["year_entered"]) == ("male", "1996")
    assert sorted((p.field, p.value) for p in later.problems) == [("入校时间", "1997"), ("性别", "female")]


def test_an_older_register_learns_what_alumni_gave_from_the_history_and_the_inbox(tmp_path, make_repo):
    repo = make_repo({})
    register_path = repo / "data/private/register.csv"
    forms = load_forms(ROOT / "forms")
    import_register(_write(tmp_path / "a.csv", "姓名,性别,出生日期,入校时间\n王立新,男,1978-07-01,1996\n"), "计算机学院",
                    register_path, forms["update"], TODAY)  # fmt: skip
    submission = LocalInbox(repo / "data" / "inbox").append(
        forms["update"], {**STUDENT, "mobile": "13922223333"}
    )
    Review(repo / "data", forms, TODAY).approve(submission, "编辑甲")
    # As an older version left it: only the fields the update changed are marked.
    rows = read_records(register_path)
    rows[0]["alumni_fields"] = "email employer mobile year_graduated"

    write_table(register_path, list(rows[0]), rows)
    later = import_register(_write(tmp_path / "b.csv", "姓名,性别,出生日期,入校时间\n王立新,女,1978-07-01,1997\n"), "计算机学院",
                            register_path, forms["update"], TODAY)  # fmt: skip
    [kept] = read_register(register_path)
    assert (kept["gender"], kept["year_entered"]) == ("male", "1996")
    assert {"gender", "year_entered"} <= set(kept["alumni_fields"].split())
    assert len(later.problems) == 2


def test_the_editors_commands_read_the_inbox_the_handler_writes_to(tmp_path, monkeypatch):
    """The defect: the handler ran as documented with FORMS_INBOX=/srv/alumni/inbox, and review,
    digest and attendees read data/inbox of the checkout: the daily digest counted the wrong one."""
    from office.review import open_inbox

    elsewhere = tmp_path / "srv-inbox"
    forms = load_forms(ROOT / "forms")
    submitted = LocalInbox(elsewhere).append(forms["contact"], {"name": "林校友", "email": "l@example.com",
                                                                "subject": "问候", "message": "老师好", "consent": "yes"})  # fmt: skip
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("FORMS_INBOX", str(elsewhere))
    inbox = open_inbox(tmp_path / "data")
    assert [s.id for s in Review(tmp_path / "data", forms, TODAY, inbox=inbox).pending()] == [submitted]
    assert count(inbox, forms, None).counts == {"contact": 1}
    monkeypatch.delenv("FORMS_INBOX")
    assert Review(tmp_path / "data", forms, TODAY, inbox=open_inbox(tmp_path / "data")).pending() == []
