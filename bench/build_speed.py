"""Build speed: our full build against bare Pelican on the same synthetic Chinese news.

For each size N (default 1,000 and 5,000) this writes N synthetic Chinese news items to a
temporary content folder, then times, alternately and --repeat times each:

- ours: office.build.build_once("pelicanconf.py", ...), as `invoke build` runs it, with our
  plugins and theme, both editions and the Pagefind search index. Like every build into an
  emptied output folder, or in CI with cache/ kept, it takes from cache/ (filled in its
  first round) what Pelican read of each unchanged source, the parts of the index whose pages
  are unchanged, and share cards;
- cold: the same with its build cache (what Pelican read, the index's parts) emptied before
  each run, so every source is read and Pagefind makes every part;
- pages: the same without the search index (SEARCH_INDEX=False), to show what rendering costs
  and what indexing costs;
- bare: `python -m pelican` with an empty settings file (default theme, no plugins).

Each build runs in its own fresh Python process (Pelican plugins use global signals) and is
timed as the wall time of that whole process, started once the previous output is deleted
and the disk has settled. It prints the median times, the HTML pages each
wrote and the ratio ours/bare; the target (issue 18) is a ratio of at most 1.0. It always exits 0.

    .venv/bin/python bench/build_speed.py --sizes 1000 5000 --repeat 3
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
TARGET = 1.0

from core.manifest import digest  # noqa: E402
from pelicanconf import BUILD_CACHE  # noqa: E402


def _words(text: str) -> list[str]:
    return text.split()


CHAPTERS = ["beijing", "chongqing", "shenzhen", "north-america", "uk", "computer-science", "economics"]
CHAPTERS += ["finance"]
PLACES = ["北京", "上海", "重庆", "深圳", "广州", "成都", "武汉", "西安", "南京", "杭州", "伦敦", "纽约"]
GROUPS = ["校友会", "校友总会", "计算机学院校友", "经管学院校友", "青年校友", "海外校友", "退休教师"]
EVENTS = ["年会", "座谈会", "返校日", "捐赠仪式", "招聘会", "读书会", "论坛", "联谊活动", "讲座", "义卖"]
OUTCOMES = ["圆满举行", "顺利召开", "成功举办", "隆重举行", "正式启动", "吸引数百人参加"]
TAGS = _words("年会 捐赠 招聘会 校庆 奖学金 讲座 论坛 返校 青年校友 海外校友 志愿服务 读书会 体育 艺术 科研")
TAGS += _words("创业 就业 校友企业 图书馆 新生 毕业典礼 导师 公益 聚会 访谈 校史 学术 文化 合作 表彰")
WORDS = _words("校友 母校 学院 同学 老师 活动 发展 合作 交流 支持 未来 青年 社会 传统 精神 回忆 友谊 成果")
VERBS = _words("举行 参加 分享 介绍 表示 回顾 展望 捐赠 推动 感谢 组织 邀请 讨论 鼓励 祝贺 总结")


def news_item(number: int, rng: random.Random) -> str:
    """One synthetic news article in Pelican's Markdown metadata format."""
    place, group, event = rng.choice(PLACES), rng.choice(GROUPS), rng.choice(EVENTS)
    # The number comes first: our slugs stop at 60 characters, and must stay unique.
    title = f"第{number}期 {place}{group}{event}{rng.choice(OUTCOMES)}"
    date = f"{rng.randint(2020, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} 10:00"

    def sentence() -> str:
        words = [rng.choice(WORDS) + rng.choice(VERBS) + rng.choice(WORDS) for _ in range(rng.randint(3, 6))]
        return "，".join(words) + "。"

    paragraphs = ["".join(sentence() for _ in range(rng.randint(2, 5))) for _ in range(rng.randint(3, 6))]
    paragraphs.insert(rng.randint(1, len(paragraphs) - 1), f"## {rng.choice(WORDS)}{rng.choice(WORDS)}")
    lines = [
        f"Title: {title}",
        f"Date: {date}",
        f"Tags: {', '.join(rng.sample(TAGS, rng.randint(1, 3)))}",
        f"Summary: {place}{group}{event}：{sentence()}",
    ]
    if rng.random() < 0.2:
        lines.append(f"Chapter: {rng.choice(CHAPTERS)}")
    return "\n".join(lines) + "\n\n" + "\n\n".join(paragraphs) + "\n"


def write_content(content: Path, count: int, seed: int = 2026) -> None:
    rng = random.Random(seed)
    news = content / "news"
    news.mkdir(parents=True)
    for number in range(1, count + 1):
        (news / f"item-{number:05d}.md").write_text(news_item(number, rng), encoding="utf-8")


def timed_run(command: list[str], cwd: Path, output: Path) -> tuple[float, int] | None:
    """Wall time of one build process and the HTML pages it wrote; None if the build failed."""
    shutil.rmtree(output, ignore_errors=True)
    # Deleting thousands of files keeps the disk busy for a while after rmtree returns; let
    # it finish, so a build is not slowed by the clean-up of the one before it.
    os.sync()
    time.sleep(1)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        print(f"  build failed, left out ({result.returncode}):\n{result.stderr[-1500:]}")
        return None
    return seconds, sum(1 for _ in output.rglob("*.html"))


def build_cache(output: Path) -> Path:
    """Where builds into this output keep what they read and their index's parts (core/manifest.py)."""
    return REPO / BUILD_CACHE / digest(output.resolve())[:16]


def measure(count: int, repeat: int) -> dict[str, tuple[float, int]]:
    """Median wall seconds and pages written for ours and bare over their successful runs."""
    with tempfile.TemporaryDirectory(prefix="build-speed-") as tmp:
        tmp_path = Path(tmp)
        content = tmp_path / "content"
        write_content(content, count)
        empty_settings = tmp_path / "empty_settings.py"
        empty_settings.write_text("", encoding="utf-8")
        ours_out, bare_out, cold_out = tmp_path / "ours-out", tmp_path / "bare-out", tmp_path / "cold-out"
        overrides = {"PATH": str(content), "OUTPUT_PATH": str(ours_out), "BUILD_DATE": "2026-11-23"}
        ours_code = f"from office.build import build_once; build_once('pelicanconf.py', {overrides!r})"
        cold_code = ours_code.replace(str(ours_out), str(cold_out))
        pages_overrides = {**overrides, "OUTPUT_PATH": str(tmp_path / "pages-out"), "SEARCH_INDEX": False}
        pages_code = f"from office.build import build_once; build_once('pelicanconf.py', {pages_overrides!r})"
        bare_command = [sys.executable, "-m", "pelican", str(content), "-o", str(bare_out)]
        bare_command += ["-s", str(empty_settings), "-q"]
        commands = {
            "ours": ([sys.executable, "-c", ours_code], REPO, ours_out),
            "cold": ([sys.executable, "-c", cold_code], REPO, cold_out),
            "pages": ([sys.executable, "-c", pages_code], REPO, tmp_path / "pages-out"),
            "bare": (bare_command, tmp_path, bare_out),
        }
        runs: dict[str, list[tuple[float, int]]] = {name: [] for name in commands}
        for round_number in range(1, repeat + 1):
            for name, (command, cwd, output) in commands.items():
                if name == "cold":
                    shutil.rmtree(build_cache(output), ignore_errors=True)
                run = timed_run(command, cwd, output)
                if run:
                    runs[name].append(run)
                    print(f"  N={count} run {round_number} {name}: {run[0]:.2f}s, {run[1]} pages", flush=True)
        medians = {
            name: (statistics.median(s for s, _ in results), results[-1][1]) if results else (math.nan, 0)
            for name, results in runs.items()
        }
        # Each round's ours/bare, built one after the other: this machine's speed drifts by a
        # fifth between rounds, and a ratio within a round drifts less than either median.
        paired = [o / b for (o, _), (b, _) in zip(runs["ours"], runs["bare"], strict=False)]
        return {**medians, "rounds": (statistics.median(paired) if paired else math.nan, len(paired))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    summary = []
    for count in args.sizes:
        result = measure(count, args.repeat)
        (ours, _), (cold, _), (pages, _), (bare, _) = (
            result[name] for name in ("ours", "cold", "pages", "bare")
        )
        paired = result.pop("rounds")[0]
        print(f"\n{'build':<6}{'median s':>10}{'pages':>8}")
        for name, (seconds, written) in result.items():
            print(f"{name:<6}{seconds:>10.2f}{written:>8}")
        line = (
            f"N={count} ours={ours:.1f}s bare={bare:.1f}s ratio={ours / bare:.2f} (target <= {TARGET}), "
            f"median of the rounds' ratios {paired:.2f}; with no build cache {cold:.1f}s, ratio "
            f"{cold / bare:.2f}; without the search index {pages:.1f}s, ratio {pages / bare:.2f}"
        )
        print(line + "\n", flush=True)
        summary.append(line)
    print("\n".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
