"""Photos: what they cost a build, and pelican-image-process against our Pillow code.

Three measurements, each printed as a table (it always exits 0):

- `compare`: the demo's 24 photos (real photographs, 1365 to 2560 pixels wide) made into
  copies 320, 480, 800, 1200 and 1600 pixels wide, timed on one core:
  * **image-process**: pelican-image-process's own `process_image()` for each width, as its
    `responsive-image` srcset does (it opens and decodes the original again for each width,
    and keeps the original's format: JPEG only);
  * **ours, JPEG**: plugins/pictures/photos.py doing the same five JPEG copies (one decode,
    JPEG draft mode, upright, sRGB);
  * **ours**: `make_copies()` as the build runs it: WebP and JPEG, ten files.
  Then whole builds of a small site showing those photos (one article each): bare Pelican
  without and with the image-process plugin (first build, a build into the same output,
  a build into a fresh output, as ours always builds into a fresh folder); ours without photos,
  with photos and an empty cache, and again. pelican-image-process is AGPL-3.0 and not in
  requirements.txt: install it in a venv of its own and pass that venv's python.
- `rebuild`: N distinct photos (crops of the demo's, 2,000 pixels wide), one per article,
  against the same N articles without them: the first build (every copy made, on both
  cores), then warm rebuilds; the target is that photos add under 1 s to a rebuild.
- `demo`: the demo site built twice with an empty cache, as CI does: what the first build
  makes and the second re-makes (nothing), and the time of each.
- `weight`: the demo's home page in Chromium at 375 and 1280 px: every file it fetches with
  its transfer size, which images are on the first screen, and the layout shift.

    python3 -m venv /tmp/ip && /tmp/ip/bin/pip install pelican==4.12.0 markdown==3.11.3 \\
        pelican-image-process==3.3.0 pillow==13.0.0
    .venv/bin/python bench/photos.py compare --image-process-python /tmp/ip/bin/python
    .venv/bin/python bench/photos.py rebuild --photos 500 --repeat 3
    .venv/bin/python bench/photos.py demo
    .venv/bin/python bench/photos.py weight
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WIDTHS = (320, 480, 800, 1200, 1600)
BUILD_DATE = "2026-11-23"


def demo_photos() -> list[Path]:
    return sorted((REPO / "content").rglob("*.jpg"))


PLUGIN_LINE = re.compile(r"pictures: (\d+) photos \((\d+) made\), (\d+) cards drawn, in ([\d.]+) s")


def _median_run(command: list[str], repeat: int, before=None, plugin: list | None = None) -> float:
    """The median wall time of the command; `plugin` collects the pictures plugin's own lines."""
    times = []
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"{' '.join(command[:3])}... failed:\n{done.stderr[-3000:]}")
        times.append(time.perf_counter() - started)
        if plugin is not None and (line := PLUGIN_LINE.search(done.stdout)):
            plugin.append(line.groups())
    return statistics.median(times)


# compare


def direct(photos: list[Path]) -> dict:
    """Runs under the image-process venv's python: both ways, one core, in this process."""
    import importlib.util

    from pelican.plugins.image_process import image_process
    from PIL import Image

    # photos.py alone (it needs only Pillow): this venv has none of the site's other packages.
    spec = importlib.util.spec_from_file_location("photos", REPO / "plugins/pictures/photos.py")
    photos_module = sys.modules["photos"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(photos_module)
    Recipe, encode = photos_module.Recipe, photos_module.encode
    make_copies, upright_srgb = photos_module.make_copies, photos_module.upright_srgb

    settings = {"IMAGE_PROCESS_FORCE": True}
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        started = time.perf_counter()
        for photo in photos:
            for width in WIDTHS:
                ops = [f"scale_in {width} 100000 False"]
                image_process.process_image(
                    (str(photo), str(out / f"ip-{width}-{photo.name}"), ops), settings
                )
        results["image-process"] = time.perf_counter() - started
        # A phone photo held sideways: stored landscape, with Orientation 6 (turn to view).
        sideways = out / "sideways.jpg"
        exif = Image.Exif()
        exif[0x0112] = 6
        Image.new("RGB", (800, 500), "grey").save(sideways, exif=exif)
        image_process.process_image(
            (str(sideways), str(out / "ip-sideways.jpg"), ["scale_in 400 100000 False"]), settings
        )
        results["sideways photo, image-process"] = Image.open(out / "ip-sideways.jpg").size
        results["sideways photo, ours"] = upright_srgb(sideways, 400).size
        started = time.perf_counter()
        for photo in photos:
            image = larger = upright_srgb(photo, max(WIDTHS))
            for width in sorted(Recipe(WIDTHS, ()).widths_for(image.width), reverse=True):  # as make_copies
                size = (width, round(image.height * width / image.width))
                larger = larger if width == larger.width else larger.resize(size, Image.Resampling.LANCZOS)
                (out / f"ours-{width}-{photo.name}").write_bytes(encode(larger, "jpeg", 80))
        results["ours, JPEG"] = time.perf_counter() - started
        started = time.perf_counter()
        recipe = Recipe(WIDTHS, (("jpeg", 80), ("webp", 74)))
        for number, photo in enumerate(photos):
            (out / str(number)).mkdir()
            make_copies(photo, out / str(number), recipe)
        results["ours"] = time.perf_counter() - started
        results["bytes"] = {
            "image-process": sum(p.stat().st_size for p in out.glob("ip-*")),
            "ours, JPEG": sum(p.stat().st_size for p in out.glob("ours-*")),
            "ours (WebP only)": sum(p.stat().st_size for p in out.rglob("*.webp")),
        }
    return results


def _site(root: Path, photos: list[Path], with_photos: bool, image_process: bool) -> None:
    """A small site: one article per photo (or the same articles without them)."""
    shutil.copytree(REPO / "data", root / "data", ignore=shutil.ignore_patterns("private", "inbox"))
    news = root / "content/news"
    news.mkdir(parents=True)
    for number, photo in enumerate(photos):
        name = f"p{number:04d}.jpg"
        if with_photos:
            target = root / "content/images" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(photo, target)
        picture = f"![照片 {number}]({{static}}/images/{name})" + (
            "{: .image-process-photo}" if image_process else ""
        )
        body = f"第 {number} 篇。\n\n{picture if with_photos else ''}\n"
        (news / f"p{number:04d}.md").write_text(
            f"Title: 第{number}篇 照片\nDate: 2026-01-01\nSlug: p{number}\n\n{body}", encoding="utf-8"
        )


IMAGE_PROCESS_SETTINGS = """
PATH = {content!r}
OUTPUT_PATH = {output!r}
STATIC_PATHS = ["images"]
PLUGINS = {plugins!r}
IMAGE_PROCESS = {{"photo": {{"type": "responsive-image", "default": "800w",
    "srcset": [(f"{{w}}w", [f"scale_in {{w}} 100000 False"]) for w in {widths!r}]}}}}
"""


def compare(image_process_python: str, repeat: int) -> None:
    photos = demo_photos()
    found = json.loads(subprocess.run(
        [image_process_python, __file__, "direct", *map(str, photos)], check=True, capture_output=True, text=True,
    ).stdout)  # fmt: skip
    print(f"## {len(photos)} photos, copies {', '.join(map(str, WIDTHS))} px wide, one core\n")
    print("| way | seconds | files | bytes |\n|---|---:|---:|---:|")
    for way, files in (("image-process", 5), ("ours, JPEG", 5), ("ours", 10)):
        size = found["bytes"].get(way, found["bytes"]["ours, JPEG"] + found["bytes"]["ours (WebP only)"])
        print(f"| {way} | {found[way]:.2f} | {files * len(photos)} | {size / 2**20:.1f} MB |")
    print(
        f"\nA sideways phone photo (800x500 stored, Orientation 6) comes out {found['sideways photo, image-process']} "
        f"from image-process, {found['sideways photo, ours']} from ours."
    )

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        rows = []
        for plugin in (False, True):
            site = root / f"ip-{plugin}"
            _site(site, photos, with_photos=True, image_process=plugin)
            output = site / "output"
            settings = site / "settings.py"
            settings.write_text(IMAGE_PROCESS_SETTINGS.format(
                content=str(site / "content"), output=str(output), widths=WIDTHS,
                plugins=["pelican.plugins.image_process"] if plugin else [],
            ))  # fmt: skip
            command = [image_process_python, "-m", "pelican", "-s", str(settings), "-q"]
            fresh = _median_run(command, repeat, before=lambda o=output: shutil.rmtree(o, ignore_errors=True))
            again = _median_run(command, repeat)
            rows.append((f"bare Pelican{' + image-process' if plugin else ''}", fresh, again))
        for with_photos in (False, True):
            site = root / f"ours-{with_photos}"
            _site(site, photos, with_photos=with_photos, image_process=False)
            cache = site / "cache"
            command = [sys.executable, "-c", _OURS.format(site=str(site), cache=str(cache))]
            first = _median_run(command, 1, before=lambda c=cache: shutil.rmtree(c, ignore_errors=True))
            again = _median_run(command, repeat)
            rows.append((f"ours, {'with' if with_photos else 'without'} photos", first, again))
    print("\n## Whole builds of the same articles (seconds, medians)\n")
    print("| build | into a fresh output (ours: empty cache) | again |\n|---|---:|---:|")
    for name, first, again in rows:
        print(f"| {name} | {first:.2f} | {again:.2f} |")


# A build of ours in a fresh process; it prints the pictures plugin's own line (what it made, its time).
_OURS = """
import logging, sys; sys.path.insert(0, {repo!r})
from office.build import build_site
handler = logging.StreamHandler(sys.stdout)
logging.getLogger("plugins.pictures").addHandler(handler)
logging.getLogger("plugins.pictures").setLevel(logging.INFO)
build_site({repo!r} + "/pelicanconf.py", {{"PATH": "{site}/content", "OUTPUT_PATH": "{site}/output",
    "DATA_PACKAGE": "{site}/data/datapackage.yaml", "PHOTO_CACHE": "{cache}", "BUILD_DATE": "2026-11-23"}})
""".replace("{repo!r}", repr(str(REPO)))


# rebuild


def distinct_photos(folder: Path, count: int) -> list[Path]:
    """`count` different photos, 2,000 pixels wide, cut from the demo's at shifting places."""
    from PIL import Image

    sources = [Image.open(p).convert("RGB") for p in demo_photos()]
    made = []
    for number in range(count):
        image = sources[number % len(sources)]
        step = number // len(sources) + 1
        width, height = image.size
        box = (step * 7 % (width // 10), step * 5 % (height // 10), width - step * 3 % (width // 10), height)
        crop = image.crop(box)
        crop = crop.resize((2000, round(crop.height * 2000 / crop.width)))
        path = folder / f"photo-{number:04d}.jpg"
        crop.save(path, quality=90)
        made.append(path)
    return made


def rebuild(count: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        photos = distinct_photos(Path(tempfile.mkdtemp(dir=root)), count)
        size = sum(p.stat().st_size for p in photos) / 2**20
        commands, lines, times = {}, {False: [], True: []}, {}
        for with_photos in (False, True):
            site = root / f"site-{with_photos}"
            _site(site, photos, with_photos=with_photos, image_process=False)
            commands[with_photos] = [
                sys.executable,
                "-c",
                _OURS.format(site=str(site), cache=str(site / "cache")),
            ]
            times[(with_photos, "first")] = _median_run(commands[with_photos], 1, plugin=lines[with_photos])
        # Rebuilds take turns, so a busy moment of the machine falls on both alike.
        again: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(repeat):
            for with_photos in (False, True):
                again[with_photos].append(_median_run(commands[with_photos], 1, plugin=lines[with_photos]))
        for with_photos in (False, True):
            times[(with_photos, "again")] = statistics.median(again[with_photos])
    print(f"## {count} articles; with: one photo each ({size:.0f} MB of originals, 2,000 px wide)\n")
    print("| build | without photos | with photos | photos add |\n|---|---:|---:|---:|")
    for when in ("first", "again"):
        without, with_ = times[(False, when)], times[(True, when)]
        print(f"| {when} | {without:.2f} s | {with_:.2f} s | {with_ - without:+.2f} s |")
    print(f"\nRebuilds, in turn (s): without {again[False]}, with {again[True]}")
    print("\nThe pictures plugin's own line in each build with photos (photos, made, cards drawn, seconds):")
    for photos_, made, drawn, seconds in lines[True]:
        print(f"- {photos_} photos, {made} made, {drawn} cards drawn, {seconds} s")


# demo


def demo() -> None:
    import logging

    sys.path.insert(0, str(REPO))
    from office.build import build_site

    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logger = logging.getLogger("plugins.pictures")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    with tempfile.TemporaryDirectory() as scratch:
        print("| demo build | seconds | pictures |\n|---|---:|---|")
        for run in ("first (empty cache)", "second"):
            started = time.perf_counter()
            overrides = {
                "OUTPUT_PATH": f"{scratch}/output",
                "PHOTO_CACHE": f"{scratch}/cache",
                "BUILD_DATE": BUILD_DATE,
            }
            build_site(REPO / "pelicanconf.py", overrides)
            seconds = time.perf_counter() - started
            print(f"| {run} | {seconds:.2f} | {lines[-1].removeprefix('pictures: ')} |")


# weight


def weight() -> None:
    """The demo's home page as Chromium loads it at 375 and 1280 px: what it fetches."""
    sys.path.insert(0, str(REPO))
    from playwright.sync_api import sync_playwright

    from office.build import build_site
    from tests.e2e.test_pictures import LAYOUT_SHIFT
    from tests.support import free_port, wait_until_up

    with tempfile.TemporaryDirectory() as scratch:
        build_site(REPO / "pelicanconf.py", {"OUTPUT_PATH": f"{scratch}/output", "BUILD_DATE": BUILD_DATE})
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "office.preview", "--directory", f"{scratch}/output", "--port", str(port),
             "--inbox", f"{scratch}/inbox"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_until_up(f"http://127.0.0.1:{port}/")
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=["--no-sandbox"]
                )
                for width in (375, 1280):
                    page = browser.new_page(viewport={"width": width, "height": 900})
                    page.goto(f"http://127.0.0.1:{port}/")
                    page.wait_for_load_state("networkidle")
                    found = page.evaluate(_RESOURCES)
                    shift = page.evaluate(LAYOUT_SHIFT)
                    print(f"\n### {width} px\n\n| fetched | bytes | above the fold |\n|---|---:|---|")
                    for name, size, seen in found:
                        print(f"| {name} | {size:,} | {'yes' if seen else ''} |")
                    print(
                        f"| **total** | **{sum(s for _, s, _ in found):,}** | |\n\nlayout shift (CLS): {shift}"
                    )
                    page.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


# Every resource of the page with its transfer size, and whether it is an image on the first screen.
_RESOURCES = """() => {
    const seen = new Set([...document.images].filter(img => {
        const r = img.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; }).map(img => img.currentSrc));
    const nav = performance.getEntriesByType('navigation')[0];
    return [[location.pathname, nav.transferSize, false],
        ...performance.getEntriesByType('resource').map(r => [new URL(r.name).pathname, r.transferSize, seen.has(r.name)])];
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("compare")
    one.add_argument("--image-process-python", required=True)
    one.add_argument("--repeat", type=int, default=3)
    two = commands.add_parser("rebuild")
    two.add_argument("--photos", type=int, default=500)
    two.add_argument("--repeat", type=int, default=3)
    commands.add_parser("demo")
    commands.add_parser("weight")
    worker = commands.add_parser("direct")
    worker.add_argument("photos", nargs="+", type=Path)
    args = parser.parse_args()
    if args.command == "compare":
        compare(args.image_process_python, args.repeat)
    elif args.command == "rebuild":
        rebuild(args.photos, args.repeat)
    elif args.command == "demo":
        demo()
    elif args.command == "weight":
        weight()
    else:
        print(json.dumps(direct(args.photos)))


if __name__ == "__main__":
    main()
