"""The editors' commands, through the plain functions the tasks call."""

import datetime
import importlib
import inspect
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys

import pytest

from core.problems import ProblemsFound
from office.scaffold import PLACEHOLDER, new_content
from tests.support import ROOT, build_repo

NOW = datetime.datetime(2026, 11, 23, 9, 30)


def test_new_news_item_gets_todays_date_and_a_pinyin_slug(tmp_path):
    path = new_content(tmp_path, "news", "重庆校友会2026年年会", NOW)
    assert path == tmp_path / "news/chong-qing-xiao-you-hui-2026-nian-nian-hui.md"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("Title: 重庆校友会2026年年会\nDate: 2026-11-23 09:30\n")
    assert "\nSlug: chong-qing-xiao-you-hui-2026-nian-nian-hui\n" in text


def test_a_slug_given_in_words_is_written_as_an_address(tmp_path):
    """The defect: --slug "重庆 年会" made content/news/重庆 年会.md, published at that address."""
    path = new_content(tmp_path, "news", "标题", NOW, slug="Chongqing 年会")
    assert path == tmp_path / "news/chongqing-nian-hui.md"
    assert "\nSlug: chongqing-nian-hui\n" in path.read_text(encoding="utf-8")


def test_a_scaffolded_file_builds_once_its_body_is_written(make_repo):
    repo = make_repo({})
    made = [
        new_content(repo / "content", "news", "新的一篇", NOW),
        new_content(
            repo / "content", "report", "学生创新基金2025年度报告", NOW, project="student-innovation-fund"
        ),
    ]
    for path in made:
        path.write_text(path.read_text(encoding="utf-8").replace(PLACEHOLDER, "正文。"), encoding="utf-8")
    build_repo(repo)
    assert (repo / "output/news/xin-de-yi-pian.html").exists()
    assert (repo / "output/projects/student-innovation-fund/2025/index.html").exists()


def test_new_refuses_to_overwrite(tmp_path):
    new_content(tmp_path / "content", "story", "校友故事", NOW)
    with pytest.raises(ProblemsFound, match="已存在") as found:
        new_content(tmp_path / "content", "story", "校友故事", NOW)
    assert found.value.problems[0].file == "content/stories/xiao-you-gu-shi.md"  # as the editor sees it


def test_a_report_is_named_for_its_project_and_year_and_made_once(tmp_path):
    path = new_content(tmp_path, "report", "2023年度报告", NOW, project="library-fund", year=2023)
    assert path == tmp_path / "reports/library-fund-2023.md"
    assert "\nProject: library-fund\nYear: 2023\n" in path.read_text(encoding="utf-8")
    assert new_content(tmp_path, "report", "报告", NOW, project="library-fund").name == "library-fund-2025.md"
    with pytest.raises(ProblemsFound, match="report of that year exists already"):
        new_content(tmp_path, "report", "另一份", NOW, project="library-fund", year=2023)
    with pytest.raises(ProblemsFound, match="2026 is not over yet"):
        new_content(tmp_path, "report", "今年", NOW, project="library-fund", year=2026)


def test_a_report_is_of_a_project_of_data_projects_csv_in_a_year_it_was_open(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data/projects.csv").write_text("id,opened\nlibrary-fund,2021-03-01\n", encoding="utf-8")
    with pytest.raises(ProblemsFound) as found:
        new_content(tmp_path / "content", "report", "报告", NOW, project="libary-fund")
    assert found.value.problems[0].sentence() == (
        "invoke new, 字段 project: “libary-fund”不是 data/projects.csv 里的项目编号，请写其中之一：library-fund"
        " / is not a project id in data/projects.csv; write one of library-fund"
    )
    with pytest.raises(
        ProblemsFound, match="library-fund opened on 2021-03-01, so there is no 2020 to report on"
    ):
        new_content(tmp_path / "content", "report", "报告", NOW, project="library-fund", year=2020)
    assert not (tmp_path / "content").exists()
    assert new_content(
        tmp_path / "content", "report", "报告", NOW, project="library-fund", year=2021
    ).exists()


@pytest.mark.parametrize(
    "kind, options, named",
    [("news", {"project": "library-fund"}, "--project"), ("story", {"year": 2024}, "--year"),
     ("report", {"project": "library-fund", "slug": "my-report"}, "--slug")],
)  # fmt: skip
def test_an_option_that_is_not_for_the_kind_is_refused_not_lost(tmp_path, kind, options, named):
    with pytest.raises(ProblemsFound, match=f"{named} is not for {kind}: leave it out"):
        new_content(tmp_path, kind, "标题", NOW, **options)
    assert list(tmp_path.iterdir()) == []


def test_every_invoke_new_the_docs_show_works_on_the_demo(tmp_path):
    # The guide's example made a report the demo has already: its first command failed.
    shutil.copytree(ROOT / "content/reports", tmp_path / "content/reports")
    (tmp_path / "data").mkdir()
    shutil.copy(ROOT / "data/projects.csv", tmp_path / "data")
    docs = "".join((ROOT / name).read_text(encoding="utf-8") for name in ("README.md", "docs/editors.md"))
    commands = [shlex.split(c) for c in re.findall(r"`invoke new ([^`]+)`", docs)]
    assert len(commands) >= 2
    for kind, title, *flags in commands:
        options = {
            flag.removeprefix("--"): value for flag, value in zip(flags[::2], flags[1::2], strict=True)
        }
        year = int(options.pop("year")) if "year" in options else None
        assert new_content(tmp_path / "content", kind, title, NOW, year=year, **options).exists()


def test_a_report_needs_its_project(tmp_path):
    with pytest.raises(ProblemsFound, match="--project"):
        new_content(tmp_path, "report", "年度报告", NOW)


def test_invoke_says_what_went_wrong_without_a_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "invoke", "new", "poem", "一首诗"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "没有“poem”这种类型，请写 news、story 或 report" in result.stderr


def test_a_port_that_is_no_number_is_a_sentence():
    result = subprocess.run([sys.executable, "-m", "invoke", "serve", "--port", "abc"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "“abc”不是端口号" in result.stderr and "'abc' is not a port" in result.stderr


@pytest.mark.parametrize(
    ("command", "chosen"),
    [
        # -o: make does not look at its virtualenv again (its stamp may be older than requirements.txt here)
        (["make", "--no-print-directory", "-o", ".venv/.installed", "serve", "PORT={}"], "make serve PORT="),
        ([sys.executable, "-m", "invoke", "serve", "--port", "{}"], "--port "),
    ],
    ids=["make", "invoke"],
)  # fmt: skip
def test_a_port_in_use_is_told_the_way_the_port_was_chosen(command, chosen):
    """The defect: under make serve, the sentence said to use --port, which make does not take."""
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = subprocess.run([word.format(port) for word in command], cwd=ROOT, capture_output=True, text=True,
                                timeout=60)  # fmt: skip
    assert result.returncode != 0 and "Traceback" not in result.stderr
    told = re.search(
        rf"{chosen}{port}: 已被其他程序占用.*，如 {chosen}(\d+) / .* such as {chosen}(\d+)\n", result.stderr
    )
    assert told and told[1] == told[2] != str(port), result.stderr
    assert ("--port" in result.stderr) == (chosen == "--port ")


def test_a_port_that_is_no_number_is_told_as_makes_port_under_make():
    result = subprocess.run(["make", "--no-print-directory", "-o", ".venv/.installed", "serve", "PORT=abc"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "- PORT: “abc”不是端口号，请写如 8000 的数字 / 'abc' is not a port" in result.stderr


def test_keygen_puts_the_private_key_outside_the_repository_and_prints_the_public_one(tmp_path):
    result = subprocess.run([sys.executable, "-m", "invoke", "keygen", "--directory", str(tmp_path / "keys")],
                            cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stderr
    key = tmp_path / "keys/office.agekey"
    assert key.stat().st_mode & 0o777 == 0o600 and "AGE-SECRET-KEY-1" in key.read_text(encoding="utf-8")
    assert "FORMS_AGE_RECIPIENT=age1" in result.stdout and "AGE-SECRET-KEY" not in result.stdout


def test_keygen_refuses_a_folder_inside_the_repository():
    folder = ROOT / "data" / "private" / "keys-test"
    result = subprocess.run([sys.executable, "-m", "invoke", "keygen", "--directory", str(folder)], cwd=ROOT,
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "私钥绝不能进仓库" in result.stderr and not folder.exists()


@pytest.mark.parametrize("name", ["new", "import-register", "attendees"])
def test_help_asked_after_a_task_with_positional_arguments_is_its_help(name):
    # invoke read the --help as the title, the file or the event's id: "did not receive required
    # positional arguments", or "there is no event with this id: --help".
    result = subprocess.run([sys.executable, "-m", "invoke", name, "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0 and result.stdout.startswith(f"Usage: inv[oke] [--core-opts] {name} ")


@pytest.mark.parametrize(
    "words, sentence",
    [
        (["new", "news"], 'invoke new, 字段 title: 少了 title (the title, in Chinese)，请照这样写：invoke new news "重庆校友会2026年年会"'),
        (["new"], "少了 kind (news, story or report); title (the title, in Chinese)"),
        (["import-register", "名单.xlsx"], "请照这样写：invoke import-register 计算机学院2026.xlsx --college 计算机学院"),
        (["attendees"], "missing: event (the event's id in data/events.csv, e.g. homecoming-2027); write it like this: invoke attendees beijing-newyear-2027"),
        (["review", "--approve"], "invoke review, 字段 approve: --approve 后面少了值（approve this submission id） / --approve needs a value after it"),
        (["digest", "--hours", "abc"], "--hours: “abc”不是小时数，请写如 24 的数字"),  # was int()'s ValueError, a traceback
    ],
    ids=["title", "kind-and-title", "college", "event", "flag-value", "hours"],
)  # fmt: skip
def test_an_argument_left_out_is_told_with_an_example(words, sentence):
    # invoke's own answer was "'new' did not receive required positional arguments: 'title'",
    # or "Flag <Argument: approve (a)> needed value and was not given one!".
    result = subprocess.run([sys.executable, "-m", "invoke", *words], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert sentence in result.stderr and "positional" not in result.stderr and "Flag <" not in result.stderr


@pytest.mark.parametrize(
    "words, sentence",
    [
        (["new", "news", "标题", "--projcet", "x"], "- invoke new: 没有 --projcet 这个选项，是不是想写 --project？ / there is no option --projcet; did you mean --project?"),
        (["digest", "--dry_run"], "- invoke digest: 没有 --dry_run 这个选项，是不是想写 --dry-run？"),
        # invoke took --dry as its own option (echo commands) and published for real
        (["publish", "--dry"], "- invoke publish: 没有 --dry 这个选项，是不是想写 --dry-run？"),
        (["biuld"], "- invoke: 没有 biuld 这个命令，是不是想写 invoke build？invoke --list 列出所有命令 / there is no task biuld"),
    ],
    ids=["option", "underscore", "dry", "task"],
)  # fmt: skip
def test_a_mistyped_option_or_task_is_told_with_the_one_meant(words, sentence):
    # invoke's own answer was "No idea what '--projcet' is!", in English and with no hint.
    result = subprocess.run([sys.executable, "-m", "invoke", *words], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env={**os.environ, "PUBLISH_URL": ""})  # fmt: skip
    assert result.returncode == 1 and "No idea" not in result.stderr
    assert sentence in result.stderr


def test_every_task_with_arguments_without_flags_shows_how_to_write_them():
    tasks = importlib.import_module("tasks")
    for name, task in tasks._tasks().items():
        if task.positional:
            assert f"\n    invoke {name} " in task.__doc__, (
                f'{name}: write an example, a line "invoke {name} …", in its docstring'
            )


def test_no_task_has_invoke_read_a_number():
    # invoke casts a flag to the type of its default, and a word it cannot cast is a traceback:
    # numbers are taken as text and checked by the task (serve --port, digest --hours).
    tasks = importlib.import_module("tasks")
    typed = [f"{name} --{p.name}" for name, task in tasks._tasks().items()
             for p in inspect.signature(task.body).parameters.values()
             if isinstance(p.default, int | float) and not isinstance(p.default, bool)]  # fmt: skip
    assert typed == []
