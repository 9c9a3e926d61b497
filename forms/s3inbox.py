"""Where a campaign's submissions land: one object each in a bucket, until the fold moves them.

With FORMS_STORAGE=s3 and FORMS_S3_URL=s3://bucket/prefix, append() puts each submission, sealed
as in every storage, as one object and returns once the bucket has taken it. There is no git on
the request path, so a burst of submissions spreads over as many function instances as the
platform starts, instead of queueing for one branch. forms/fold.py moves what has landed onto
the review branch on a schedule.

An object is a one-row inbox file (the header, then the row, as in data/inbox/):

    <prefix>/<form>-v<version>/<id>.csv         e.g. landing/update-v1/3f0c…e2.csv
    <prefix>/<form>-v<version>/<id>/1.jpg       its photos (forms/photos.py), stored before it
    <prefix>/spam/<form>-v<version>/<id>.csv

A registration for an event with places cannot be counted where it lands (no instance knows
what the others took): it is "being counted" until the fold has put it on the branch and worked
out every standing there (forms/places.py), which it writes beside the landing for the request
function to answer with:

    <prefix>/standing/<form>/<id>.json          {"place": "waiting", "waiting": 3}
    <prefix>/cancel/<form>/<id>                 a cancellation, until the fold has it on the branch
    <prefix>/counted/<form>.json                the standings the fold last wrote, by id

A listing is in the order of the keys, so a submission's photos come right after its row; a
photo with no row before it belongs to a submission that was never acknowledged (the function
stopped between its puts), and the fold deletes it once it is an hour old.

The S3 protocol, through boto3: AWS S3, and Alibaba OSS or Tencent COS through AWS_ENDPOINT_URL,
with the usual AWS_* credentials (or the function's role). Requests are addressed virtual-hosted
style (bucket.endpoint/key: OSS takes no other) and carry Content-MD5 rather than boto3's
default CRC checksums, which OSS and COS refuse; deletes go one object at a time, as OSS wants
Content-MD5 on a batch delete that boto3 no longer sends.

boto3 is imported only when a bucket is used: it takes a third of a second, which handlers and
tasks with other storage should not pay.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import json
import os
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from core import s3
from core.definitions import Form
from core.problems import Problem, ProblemsFound
from forms.inbox import header, new_row
from forms.places import Standing

if TYPE_CHECKING:
    from forms.photos import Photo

URL_ENV = "FORMS_S3_URL"
_LANDED = re.compile(r"(?P<spam>spam/)?(?P<form>[a-z0-9]+(?:-[a-z0-9]+)*)-v(?P<version>[0-9]+)/(?P<id>[0-9a-f]{32})\.csv")  # fmt: skip
_PHOTO = re.compile(r"(?P<form>[a-z0-9]+(?:-[a-z0-9]+)*)-v(?P<version>[0-9]+)/(?P<id>[0-9a-f]{32})/(?P<name>[1-9][0-9]*\.jpg)")  # fmt: skip
# A fold takes photos up to about this many bytes (the rest wait for the next run): it holds
# them in memory and pushes them in one commit.
FOLD_PHOTO_BYTES = 64 * 2**20
ORPHAN_SECONDS = 3600  # a photo without its row may be one whose row is being stored right now
# A request that hangs is a failed try. API Gateway waits 29 s: three tries, and boto3's pauses
# between them (up to 1 s, then 2 s), must end before it, or the visitor sees the gateway's
# timeout instead of our 503 (tests/forms/test_storage.py).
CONNECT_SECONDS, READ_SECONDS, TRIES = 3, 5, 3
GATEWAY_SECONDS = 29
_JSON = "application/json"
CONNECTIONS = 32  # at least a gunicorn worker's threads, or the fold's
STANDING, CANCEL, COUNTED = "standing/", "cancel/", "counted/"  # beside the landing, never folded
_CANCEL = re.compile(r"(?P<form>[a-z0-9]+(?:-[a-z0-9]+)*)/(?P<id>[0-9a-f]{32})")


class LandingUnavailable(OSError):
    """The bucket could not be written, listed, read or emptied; its message names the bucket,
    the operation and the service's error code, never a credential, so it is safe to log."""


@dataclass(frozen=True)
class Landed:
    """One submission waiting in the bucket, as its key names it."""

    key: str
    form: str
    version: str
    spam: bool
    id: str
    photos: tuple[str, ...] = ()  # the keys of its photos, in the order they were sent
    # Each object's ETag as listed (the row's, then its photos'): an object sent again since has
    # another, and is not deleted with what the fold read (Bucket.unchanged).
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cancelling:
    """A cancellation waiting in the bucket for the fold."""

    key: str
    form: str
    id: str
    old: bool  # older than a photo may wait for its row: its registration never landed


class Bucket:
    """The prefix of a bucket where submissions land, and the client that reaches it."""

    def __init__(self, name: str, prefix: str, client: Any):
        self.name, self.client = name, client
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    @property
    def url(self) -> str:
        return f"s3://{self.name}/{self.prefix}"

    def key(self, form: Form, submission_id: str, spam: bool = False) -> str:
        return f"{self.prefix}{'spam/' if spam else ''}{form.name}-v{form.version}/{submission_id}.csv"

    def put(self, key: str, body: bytes, content_type: str = "text/csv; charset=utf-8") -> None:
        md5 = base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode("ascii")
        with self._talking("PutObject"):
            self.client.put_object(
                Bucket=self.name, Key=key, Body=body, ContentMD5=md5, ContentType=content_type
            )

    def photo_key(self, form: Form, submission_id: str, name: str) -> str:
        return f"{self.prefix}{form.name}-v{form.version}/{submission_id}/{name}"

    def landed(
        self, limit: int, orphan_seconds: float = ORPHAN_SECONDS
    ) -> tuple[list[Landed], list[str], list[str]]:
        """Up to limit submissions waiting under the prefix (and their photos, up to about
        FOLD_PHOTO_BYTES), the keys there that are not one, and the photos whose row never came."""
        found: list[Landed] = []
        strays: list[str] = []
        orphans: list[str] = []
        photo_bytes = 0
        now = datetime.datetime.now(datetime.UTC)
        with self._talking("ListObjectsV2"):
            for item in self._submissions():
                name = item["Key"][len(self.prefix) :]
                photo = _PHOTO.fullmatch(name)
                if photo:  # right after its row, if that is there
                    last = found[-1] if found else None
                    if last and not last.spam and (last.form, last.version, last.id) == (photo["form"], photo["version"], photo["id"]):  # fmt: skip
                        found[-1] = replace(
                            last, photos=(*last.photos, item["Key"]), tags=(*last.tags, item.get("ETag", ""))
                        )
                        photo_bytes += item.get("Size", 0)
                    elif (now - item["LastModified"]).total_seconds() > orphan_seconds:
                        orphans.append(item["Key"])
                    continue
                if len(found) >= limit or photo_bytes >= FOLD_PHOTO_BYTES:
                    return found, strays, orphans
                match = _LANDED.fullmatch(name)
                if not match:
                    strays.append(item["Key"])
                    continue
                found.append(Landed(item["Key"], match["form"], match["version"], bool(match["spam"]), match["id"],
                                    tags=(item.get("ETag", ""),)))  # fmt: skip
        return found, strays, orphans

    def unchanged(self, listed: dict[str, str]) -> list[str]:
        """The keys of `listed` (key: ETag as listed before) that still hold the object listed: one
        written again since (a submission sent again after a lost answer) holds what the fold has
        not read, and waits for the next fold."""
        with self._talking("ListObjectsV2"):
            now = {item["Key"]: item.get("ETag", "") for item in self._submissions()}
        return [key for key, tag in listed.items() if now.get(key) == tag]

    def _submissions(self) -> Iterator[dict]:
        """The objects under the prefix in the order of their keys, folder by folder, leaving out
        the folders of standings and cancellations (thousands of objects a big event keeps)."""
        pages = self.client.get_paginator("list_objects_v2")
        for page in pages.paginate(Bucket=self.name, Prefix=self.prefix, Delimiter="/"):
            yield from page.get("Contents", [])  # beside the folders: strays
            for folder in page.get("CommonPrefixes", []):
                if folder["Prefix"][len(self.prefix) :] not in (STANDING, CANCEL, COUNTED):
                    for inside in pages.paginate(Bucket=self.name, Prefix=folder["Prefix"]):
                        yield from inside.get("Contents", [])

    def cancellations(self, orphan_seconds: float = ORPHAN_SECONDS) -> list[Cancelling]:
        """The cancellations waiting for the fold (a key that is not one is left alone)."""
        found = []
        now = datetime.datetime.now(datetime.UTC)
        with self._talking("ListObjectsV2"):
            for page in self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.name, Prefix=self.prefix + CANCEL
            ):
                for item in page.get("Contents", []):
                    match = _CANCEL.fullmatch(item["Key"][len(self.prefix + CANCEL) :])
                    if match:
                        old = (now - item["LastModified"]).total_seconds() > orphan_seconds
                        found.append(Cancelling(item["Key"], match["form"], match["id"], old))
        return found

    def standing(self, form: str, submission_id: str) -> Standing | None:
        """Where a registration stands as the fold last wrote it, "cancelled" once a cancellation
        waits for the fold, "counting" until then; None if the bucket has no such registration."""
        data = self.get(self._standing_key(form, submission_id))
        if data is None:
            return None
        if self.get(self.cancel_key(form, submission_id)) is not None:
            return Standing("cancelled")
        return Standing.from_json(json.loads(data))

    def put_standing(self, form: str, submission_id: str, standing: Standing) -> None:
        self.put(self._standing_key(form, submission_id), json.dumps(standing.as_json()).encode(), _JSON)

    def cancel_key(self, form: str, submission_id: str) -> str:
        return f"{self.prefix}{CANCEL}{form}/{submission_id}"

    def counted(self, form: str) -> dict[str, dict]:
        """The standings the fold last wrote for a form's registrations, by id."""
        data = self.get(f"{self.prefix}{COUNTED}{form}.json")
        return json.loads(data) if data else {}

    def put_counted(self, form: str, standings: dict[str, dict]) -> None:
        self.put(
            f"{self.prefix}{COUNTED}{form}.json", json.dumps(standings, separators=(",", ":")).encode(), _JSON
        )

    def _standing_key(self, form: str, submission_id: str) -> str:
        return f"{self.prefix}{STANDING}{form}/{submission_id}.json"

    def get(self, key: str) -> bytes | None:
        """An object's bytes; None if it is gone (another fold folded and deleted it meanwhile)."""
        with self._talking("GetObject"):
            try:
                return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()
            except self.client.exceptions.NoSuchKey:
                return None

    def delete(self, key: str) -> None:
        with self._talking("DeleteObject"):
            self.client.delete_object(Bucket=self.name, Key=key)

    @contextlib.contextmanager
    def _talking(self, operation: str) -> Iterator[None]:
        """Whatever goes wrong reaching the bucket becomes LandingUnavailable, named by its code."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "?")
            raise LandingUnavailable(f"{self.url}: {operation} refused ({code})") from None
        except BotoCoreError as error:  # no connection, a timeout, no credentials: no secret in these
            raise LandingUnavailable(
                f"{self.url}: {operation} failed ({type(error).__name__}: {error})"
            ) from None


class S3Inbox:
    """Storage in a bucket: append() returns once the object holding the row is stored."""

    def __init__(self, bucket: Bucket):
        self.bucket = bucket

    def append(
        self,
        form: Form,
        values: dict[str, str],
        spam: bool = False,
        photos: Sequence[Photo] = (),
        submission_id: str | None = None,
    ) -> str:
        """The photos first, then the row: a row that has landed has every photo it names. Sent
        again under one id, the row's object (and a photo's) is the same object, written again."""
        given = submission_id
        submission_id, line = new_row(form, values, submission_id)
        keys = [self.bucket.photo_key(form, submission_id, photo.name) for photo in photos]
        try:
            for key, photo in zip(keys, photos, strict=True):
                self.bucket.put(key, photo.data, "image/jpeg")
            self.bucket.put(self.bucket.key(form, submission_id, spam), header(form) + line)
        except LandingUnavailable:
            # No row: its photos are nobody's (the fold deletes any left). Sent again, they may
            # be the photos of the row that landed the first time: the fold decides.
            for key in keys if given is None else ():
                with contextlib.suppress(LandingUnavailable):
                    self.bucket.delete(key)
            raise
        return submission_id

    def append_counting(
        self, form: Form, values: dict[str, str], submission_id: str | None = None
    ) -> tuple[str, Standing]:
        """A registration for an event with places: "being counted" until the fold has counted it.
        Its standing is stored before its row, so the fold's (written after it folds the row) is
        never overwritten; sent again, the registration keeps the standing it has."""
        now = self.bucket.standing(form.name, submission_id) if submission_id else None
        submission_id = submission_id or uuid.uuid4().hex
        if now is None:
            now = Standing("counting")
            self.bucket.put_standing(form.name, submission_id, now)
        return self.append(form, values, submission_id=submission_id), now

    def standing(self, form: Form, submission_id: str) -> Standing | None:
        return self.bucket.standing(form.name, submission_id)

    def cancel(self, form: Form, submission_id: str) -> bool:
        """Note a registration's cancellation for the fold; False if the bucket has no such one.
        Its standing reads "cancelled" from now on."""
        if self.bucket.standing(form.name, submission_id) is None:
            return False
        self.bucket.put(self.bucket.cancel_key(form.name, submission_id), b"", "text/plain")
        return True


def bucket_from_env(env: Mapping[str, str] | None = None) -> Bucket:
    """The landing bucket of FORMS_S3_URL, reached with AWS_ENDPOINT_URL, AWS_REGION and the AWS_*
    credentials of env (or, where env has none, boto3's usual places: a role, ~/.aws)."""
    env = os.environ if env is None else env
    url = env.get(URL_ENV, "").strip()
    if not url:
        raise ProblemsFound([Problem(URL_ENV, "未设置：请写提交落地的存储桶和前缀，如 s3://alumni-forms/landing",
                                     "is not set: give the bucket and prefix where submissions land, such as s3://alumni-forms/landing",
                                     kind="setting")])  # fmt: skip
    parts = urlsplit(url)
    if parts.scheme != "s3" or not s3.BUCKET_NAME.fullmatch(parts.netloc) or parts.query or parts.fragment:
        raise ProblemsFound([Problem(URL_ENV, "不是存储桶地址：请写成 s3://存储桶名/前缀（桶名只含小写字母、数字、点和横线）",
                                     "is not a bucket address: write s3://bucket/prefix (lower-case letters, digits, dots and dashes in the bucket's name)",
                                     value=url, kind="setting")])  # fmt: skip
    from botocore.exceptions import BotoCoreError  # here, not at the top: see core/s3.py

    try:
        client, credentials = s3.client(env, tries=TRIES, connect_seconds=CONNECT_SECONDS, read_seconds=READ_SECONDS,
                                        connections=CONNECTIONS)  # fmt: skip
    except (BotoCoreError, ValueError) as error:  # a partial key pair, an endpoint that is no URL
        raise ProblemsFound([Problem(URL_ENV, f"无法连接存储桶（{type(error).__name__}）：请检查 AWS_ENDPOINT_URL、AWS_REGION 和访问密钥",
                                     f"cannot reach the bucket ({type(error).__name__}): check AWS_ENDPOINT_URL, AWS_REGION and the access keys",
                                     kind="setting")]) from None  # fmt: skip
    if credentials is None:
        raise ProblemsFound([Problem(URL_ENV, "找不到访问密钥：请设置 AWS_ACCESS_KEY_ID 和 AWS_SECRET_ACCESS_KEY（OSS、COS 的密钥也用这两个名字），或给函数一个角色",
                                     "no credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (OSS and COS keys go in the same two), or give the function a role",
                                     kind="setting")])  # fmt: skip
    return Bucket(parts.netloc, parts.path, client)
