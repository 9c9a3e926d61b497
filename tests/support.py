"""What tests share besides fixtures: the project's root, a pinned build date, helpers."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.problems import ProblemsFound
from office.build import build_site

ROOT = Path(__file__).resolve().parents[1]
BUILD_DATE = "2026-11-23"
# What a test's build of the `project` fixture sets besides its settings files: the day, and the
# share cards drawn by the tests before (they are found by what is drawn on them).
PROJECT = {"BUILD_DATE": BUILD_DATE, "PHOTO_CACHE": str(ROOT / "cache/pictures")}


def build_repo(repo: Path, **settings):
    """Build a repository made by the make_repo fixture with the project's settings (and these)."""
    return build_site(
        ROOT / "pelicanconf.py",
        {
            "PATH": str(repo / "content"),
            "OUTPUT_PATH": str(repo / "output"),
            "DATA_PACKAGE": str(repo / "data" / "datapackage.yaml"),
            "BUILD_DATE": BUILD_DATE,
            **settings,
        },
    )


def refused(repo: Path, **settings) -> list:
    """The problems a build of a make_repo repository stops with; it must stop."""
    try:
        build_repo(repo, **settings)
    except ProblemsFound as found:
        return found.problems
    raise AssertionError("the build was expected to stop, and did not")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_start(environment: dict[str, str]) -> subprocess.CompletedProcess:
    """The handler started under gunicorn with these variables, for settings that must stop it:
    gunicorn's exit code and what it said."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{free_port()}",
        "forms.wsgi:application",
    ]
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)


@contextmanager
def preview_server(site: Path, inbox: Path, log: Path, port: int | None = None) -> Iterator[str]:
    """The preview server (site and form handler) in its own process on 127.0.0.1: its address."""
    port = port or free_port()
    command = [sys.executable, "-m", "office.preview", "--directory", str(site), "--port", str(port),
               "--inbox", str(inbox)]  # fmt: skip
    with log.open("w") as written:
        process = subprocess.Popen(command, cwd=ROOT, stdout=written, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(url + "/")
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)


@contextmanager
def live_preview(settings: Path, overrides: dict, folder: Path) -> Iterator[str]:
    """The live preview (python -m office.live) in its own process on 127.0.0.1, with its inbox
    and its terminal's log (live.log) in `folder`: its address."""
    port = free_port()
    command = [sys.executable, "-m", "office.live", "--settings", str(settings), "--overrides", json.dumps(overrides),
               "--port", str(port), "--inbox", str(folder / "inbox")]  # fmt: skip
    with (folder / "live.log").open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(url + "/", timeout=60)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=20)


def wait_until_up(url: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return  # it answers, even if not with 200
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not answer within {timeout}s")


def photo_file(path: Path, size: tuple[int, int] = (1600, 1000), orientation: int = 1, camera_data: bool = False,
               transparent: bool = False) -> Path:  # fmt: skip
    """A photo-like image at `path` (its format from the suffix): a gradient with a red block in
    its top-left corner, so tests can see which way up it is published. With camera_data it
    carries what phones write: EXIF with a GPS position, XMP, a comment and a colour profile."""
    from PIL import Image, ImageCms, ImageDraw

    width, height = size
    image = Image.linear_gradient("L").resize(size).convert("RGBA" if transparent else "RGB")
    ImageDraw.Draw(image).rectangle((0, 0, width // 4, height // 4), fill=(220, 20, 20, 255))
    if transparent:
        image.putalpha(Image.linear_gradient("L").resize(size))
    options: dict = {}
    if orientation != 1 or camera_data:
        exif = Image.Exif()
        exif[0x0112] = orientation
        if camera_data:
            exif[0x010F] = "PhoneMaker"
            gps = exif.get_ifd(0x8825)
            gps.update({1: "N", 2: (39.0, 54.0, 26.0), 3: "E", 4: (116.0, 23.0, 29.0)})
        options["exif"] = exif
    if camera_data:
        options["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        if path.suffix.lower() in (".jpg", ".jpeg"):
            options["comment"] = b"taken at home"
            options["xmp"] = (
                b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><exif:GPSLatitude>39,54N</exif:GPSLatitude></x:xmpmeta>"
            )
    if path.suffix.lower() in (".heic", ".heif"):  # as an iPhone saves it, through pillow-heif
        import pillow_heif

        pillow_heif.register_heif_opener()
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, **options)
    return path


def multipart(
    fields: dict[str, str], files: list[tuple[str, bytes]], name: str = "photos"
) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser sends a form with a file input: the fields, then
    each file (its name as chosen, its bytes) under the input's name. Returns (body, Content-Type)."""
    boundary = "----alumni-test-boundary-7d4f"
    parts = []
    for key, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        )
    for filename, data in files:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        parts.append(f"{head}Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def dark_context(browser, width: int, height: int, text: str = "normal"):
    """A browser context in the dark colour scheme, at this size, with the large text switched on
    when text is "large" (as the page's switch keeps it, in localStorage)."""
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme="dark")
    if text == "large":
        context.add_init_script("localStorage.setItem('text-size', 'large')")
    return context
