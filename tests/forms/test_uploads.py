"""Photos uploaded to the handler under gunicorn: taken at once by many clients, and a worker
killed (kill -9) while a photo is on its way or being stored leaves no half photo and no row
without its photos."""

from __future__ import annotations

import http.client
import io
import json
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from PIL import Image

from core.definitions import load_forms
from core.tables import read_records
from forms.inbox import LocalInbox
from forms.photos import Photo
from tests.support import multipart

NOTE = {"class_year": "1992", "college": "化学学院", "author": "九二级化学班", "title": "三十年后再相聚",
        "body": "今年秋天，我们班二十多位同学回到化学楼，在当年的实验室门口合影留念。", "email": "note@example.com",
        "photo_alt": "二十多位同学在化学楼前合影", "consent": "yes"}  # fmt: skip


def phone_jpeg(seed: int, size: tuple[int, int] = (3000, 2000)) -> bytes:
    """A photo-sized JPEG of noise (about 2 MB): it does not compress, as a real photo does not."""
    out = io.BytesIO()
    Image.frombytes("RGB", (size[0] // 4, size[1] // 4), os.urandom(size[0] * size[1] * 3 // 16)).resize(
        size
    ).save(out, "JPEG", quality=92)
    return out.getvalue()


def post(url: str, body: bytes, content_type: str) -> tuple[int, dict]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    connection.request("POST", "/api/forms/class-note", body, {"Content-Type": content_type, "Accept": "application/json"})  # fmt: skip
    answer = connection.getresponse()
    result = answer.status, json.loads(answer.read())
    connection.close()
    return result


def everything_in(inbox) -> list[str]:
    return sorted(str(p.relative_to(inbox)) for p in inbox.rglob("*")) if inbox.exists() else []


def test_sixteen_notes_with_three_photos_each_at_once_are_all_taken(start_handler):
    handler = start_handler(workers=2, threads=8)
    photos = [(f"IMG_{n}.JPG", phone_jpeg(n)) for n in range(3)]
    body, content_type = multipart(NOTE, photos)
    started = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda _: post(handler.url, body, content_type), range(16)))
    seconds = time.monotonic() - started
    assert [status for status, _ in answers] == [201] * 16
    rows = read_records(handler.inbox / "class-note-v2.csv")
    assert sorted(r["id"] for r in rows) == sorted(a["id"] for _, a in answers)
    for row in rows:
        folder = handler.inbox / "photos" / row["id"]
        assert sorted(p.name for p in folder.iterdir()) == ["1.jpg", "2.jpg", "3.jpg"]
    print(f"\n16 notes of 3 photos ({len(body) / 2**20:.1f} MB each) in {seconds:.1f} s")
    assert seconds < 60


def test_a_worker_killed_while_photos_are_on_their_way_stores_nothing(start_handler):
    handler = start_handler(workers=1, threads=2)
    body, content_type = multipart(NOTE, [(f"IMG_{n}.JPG", phone_jpeg(n)) for n in range(3)])
    parts = urlsplit(handler.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(f"POST /api/forms/class-note HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n"
                     f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n".encode())  # fmt: skip
        sock.sendall(body[: len(body) * 2 // 3])  # two photos and a half are on their way
        time.sleep(0.5)
        handler.kill()
    assert everything_in(handler.inbox) == []


def test_a_worker_killed_in_a_burst_leaves_no_half_photo_and_no_row_without_its_photos(start_handler):
    handler = start_handler(workers=2, threads=8)
    body, content_type = multipart(NOTE, [(f"IMG_{n}.JPG", phone_jpeg(n)) for n in range(3)])
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            try:
                post(handler.url, body, content_type)
            except (OSError, http.client.HTTPException, ValueError):
                return  # the server is gone

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while len(read_records(handler.inbox / "class-note-v2.csv")) < 6 and time.monotonic() < deadline:
        time.sleep(0.05)
    handler.kill()  # in the middle of whatever the 16 threads were doing
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    rows = read_records(handler.inbox / "class-note-v2.csv")
    assert len(rows) >= 6
    for row in rows:  # every row has every photo it names, whole
        for name in row["photos"].split():
            with Image.open(handler.inbox / "photos" / row["id"] / name) as image:
                image.load()
    ids = {row["id"] for row in rows}
    for folder in (handler.inbox / "photos").iterdir():
        if folder.name.startswith("."):
            continue  # a worker's folder being written: the review never reads it, the next writer sweeps it
        for photo in folder.iterdir():  # a folder named by an id holds whole photos, row or not
            with Image.open(photo) as image:
                image.load()
        assert folder.name in ids or len(list(folder.iterdir())) == 3


def test_a_half_written_folder_is_swept_once_it_is_an_hour_old(tmp_path):
    note = load_forms(__import__("tests.support").support.ROOT / "forms")["class-note"]
    inbox = LocalInbox(tmp_path / "inbox")
    left = tmp_path / "inbox/photos/.0123456789abcdef0123456789abcdef"
    left.mkdir(parents=True)
    (left / "1.jpg").write_bytes(b"\xff\xd8 half")
    recent = left.with_name(".fedcba9876543210fedcba9876543210")
    recent.mkdir()
    hour_ago = time.time() - 3700
    os.utime(left, (hour_ago, hour_ago))
    inbox.append(note, {**NOTE, "photos": "1.jpg"}, photos=[Photo("1.jpg", b"\xff\xd8 whole", 4, 3)])
    assert not left.exists() and recent.exists()
