"""The S3-protocol target: AWS S3, Alibaba Cloud OSS and Tencent COS (through AWS_ENDPOINT_URL), via boto3.

What a bucket holds is known from its listing and from a manifest the publish keeps beside
the site (MANIFEST: each file's MD5, ETag and headers). An ETag is an MD5 only for a plain
upload without KMS encryption, so it is never trusted alone: an object the manifest does not
explain (not in it, another ETag, or written after it: by another tool, or by a publish stopped
before it wrote the manifest) is asked for its own MD5, which every upload stores in its
metadata, and for its headers.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

from core import s3
from office.publishing import URL_ENV, Changes, SiteFile, problem

MANIFEST = ".publish-manifest.json"
THREADS = 16
# The look before the build: a service that takes the connection and never answers is told
# within about CHECK_TRIES × CHECK_SECONDS, not the uploads' 5 × 120 s.
CHECK_TRIES, CHECK_SECONDS = 2, 10
# Files that point to others go after what they point to, each step once the one before has
# ended, so a publish stopped at any moment leaves no link to a file not yet there: photos, fonts
# and search index files; then styles and scripts (they load fonts, pictures, other scripts);
# then new pages, feeds and JSON (only changed ones link to them yet); then changed ones.
_STYLES = ("text/css", "text/javascript", "application/javascript")
_ENTRY_TYPES = ("text/html", "application/atom+xml", "application/xml", "application/json")


def _step(file: SiteFile, new: bool) -> int:
    if file.content_type.startswith(_ENTRY_TYPES):
        return 2 if new else 3
    return 1 if file.content_type.startswith(_STYLES) else 0


class Bucket:
    def __init__(self, url: str, bucket: str, prefix: str, environ: Mapping[str, str]):
        self.label, self.bucket, self.prefix = url, bucket, prefix
        self.endpoint = (environ.get("AWS_ENDPOINT_URL") or "").strip() or None
        self.environ = environ
        try:
            self.client, self.credentials = s3.client(
                environ, tries=5, connect_seconds=15, read_seconds=120, connections=THREADS
            )
        except (ValueError, BotoCoreError):
            raise problem("AWS_ENDPOINT_URL", f"“{self.endpoint}”不是存储服务的网址，请写成以 https:// 开头的地址，如 https://s3.oss-cn-hangzhou.aliyuncs.com",
                          f"'{self.endpoint}' is not the address of a storage service: write it with https://, such as https://s3.oss-cn-hangzhou.aliyuncs.com") from None  # fmt: skip

    @classmethod
    def from_url(cls, url: str, environ: Mapping[str, str]) -> Bucket:
        parts = urlsplit(url)
        bucket, prefix = parts.netloc, parts.path.strip("/")
        if not s3.BUCKET_NAME.fullmatch(bucket) or parts.query or parts.username:
            raise problem(URL_ENV, f"“{url}”里的存储桶名不对，请写成 s3://存储桶名/前缀（桶名只含小写字母、数字、点和横线）",
                          f"'{url}' has no valid bucket name: write s3://bucket/prefix (lower-case letters, digits, dots and dashes)")  # fmt: skip
        return cls(f"s3://{bucket}/{prefix}", bucket, f"{prefix}/" if prefix else "", environ)

    def check(self) -> None:
        if self.credentials is None:
            raise problem(self.label, "没有找到访问密钥，请设置 AWS_ACCESS_KEY_ID 和 AWS_SECRET_ACCESS_KEY（OSS、COS 也用这两个名字）",
                          "no credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (OSS and COS keys go in the same two)")  # fmt: skip
        quick, _ = s3.client(self.environ, tries=CHECK_TRIES, connect_seconds=CHECK_SECONDS,
                             read_seconds=CHECK_SECONDS, connections=1)  # fmt: skip
        self._call(lambda: quick.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix, MaxKeys=1))

    def send(self, files: dict[str, SiteFile], output: Path, dry_run: bool) -> Changes:
        listing = self._call(self._listing)
        manifest = self._call(self._manifest) if MANIFEST in listing else {}
        if listing and MANIFEST not in listing and "index.html" not in listing and set(listing) - set(files):
            raise problem(self.label, "里已有别的文件而不是网站，发布会删掉它们：请换一个空的存储桶或前缀",
                          "already holds files that are not a site, which publishing would delete: use an empty bucket or prefix")  # fmt: skip
        known = {}
        unexplained = []
        written = listing[MANIFEST][2] if MANIFEST in listing else None
        for path, (etag, _size, modified) in listing.items():
            entry = manifest.get(path)
            if entry and entry[0] == etag and modified <= written:
                known[path] = entry
            elif path in files:
                unexplained.append(path)
        with ThreadPoolExecutor(THREADS) as pool:
            for path, entry in zip(unexplained, pool.map(self._head, unexplained), strict=True):
                known[path] = entry
            changes = Changes()
            uploads = []
            for path, file in files.items():
                entry = known.get(path)
                if path not in listing:
                    changes.new.append(path)
                elif entry is None or entry[1:] != [file.md5, file.content_type, file.cache_control]:
                    changes.changed.append(path)
                else:
                    continue
                uploads.append(file)
                changes.bytes += file.size
            changes.unchanged = len(files) - len(uploads)
            changes.deleted = sorted(set(listing) - set(files) - {MANIFEST})
            if dry_run:
                return changes
            # In steps (_step); deletions only once all is uploaded.
            new = set(changes.new)
            for step in range(4):
                batch = [f for f in uploads if _step(f, f.path in new) == step]
                for file, etag in zip(batch, pool.map(lambda f: self._put(f, output), batch), strict=True):
                    known[file.path] = [etag, file.md5, file.content_type, file.cache_control]
        written_now = {path: known[path] for path in files}
        if uploads or written_now != manifest:  # a publish with nothing to send writes nothing either
            self._call(lambda: self._write_manifest(written_now))
        for start in range(0, len(changes.deleted), 1000):
            keys = [{"Key": self.prefix + path} for path in changes.deleted[start : start + 1000]]
            answer = self._call(
                lambda keys=keys: self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True}
                )
            )
            if answer.get("Errors"):
                first = answer["Errors"][0]
                raise problem(self.label, f"无法删除 {first.get('Key')}（{first.get('Code')}），请给密钥删除权限",
                              f"could not delete {first.get('Key')} ({first.get('Code')}): give the key permission to delete")  # fmt: skip
        return changes

    def _listing(self) -> dict[str, tuple[str, int, datetime.datetime]]:
        """Every object under the prefix: path -> (ETag, size, last modified)."""
        found = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        ):
            for item in page.get("Contents", []):
                found[item["Key"][len(self.prefix) :]] = (
                    _etag(item["ETag"]),
                    item["Size"],
                    item["LastModified"],
                )
        return found

    def _manifest(self) -> dict[str, list[str]]:
        body = self.client.get_object(Bucket=self.bucket, Key=self.prefix + MANIFEST)["Body"].read()
        try:
            return json.loads(body)["files"]
        except (ValueError, KeyError, TypeError):
            return {}  # unreadable: every object is asked for its checksum instead

    def _write_manifest(self, files: dict[str, list[str]]) -> None:
        body = json.dumps({"version": 1, "files": files}, separators=(",", ":"), sort_keys=True).encode()
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + MANIFEST, Body=body,
                               ContentType="application/json; charset=utf-8", CacheControl="no-store",
                               ContentMD5=_content_md5(body))  # fmt: skip

    def _head(self, path: str) -> list[str]:
        answer = self._call(lambda: self.client.head_object(Bucket=self.bucket, Key=self.prefix + path))
        return [_etag(answer["ETag"]), answer.get("Metadata", {}).get("md5", ""), answer.get("ContentType", ""),
                answer.get("CacheControl", "")]  # fmt: skip

    def _put(self, file: SiteFile, output: Path) -> str:
        body = (output / file.path).read_bytes()
        answer = self._call(
            lambda: self.client.put_object(
                Bucket=self.bucket, Key=self.prefix + file.path, Body=body, ContentType=file.content_type,
                CacheControl=file.cache_control, ContentMD5=_content_md5(body),
                Metadata={"md5": file.md5},
            )
        )  # fmt: skip
        return _etag(answer["ETag"])

    def _call(self, request):
        """Run one request; what goes wrong becomes one sentence saying what to do."""
        try:
            return request()
        except NoCredentialsError:
            raise problem(self.label, "没有找到访问密钥，请设置 AWS_ACCESS_KEY_ID 和 AWS_SECRET_ACCESS_KEY",
                          "no credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY") from None  # fmt: skip
        except EndpointConnectionError:
            where = self.endpoint or "AWS S3"
            raise problem(self.label, f"无法连接存储服务 {where}，请检查 AWS_ENDPOINT_URL 和网络",
                          f"could not reach the storage service at {where}: check AWS_ENDPOINT_URL and the network") from None  # fmt: skip
        except ReadTimeoutError:
            where = self.endpoint or "AWS S3"
            raise problem(self.label, f"存储服务 {where} 接受了连接却没有及时回应，请稍后重试，或检查 AWS_ENDPOINT_URL",
                          f"the storage service at {where} took the connection but did not answer in time: run again later, or check AWS_ENDPOINT_URL") from None  # fmt: skip
        except ClientError as error:
            raise self._refused(error) from None
        except BotoCoreError as error:
            raise problem(self.label, f"与存储服务通信出错（{type(error).__name__}），请检查 AWS_ENDPOINT_URL 和 AWS_REGION 后重试",
                          f"talking to the storage service failed ({type(error).__name__}): check AWS_ENDPOINT_URL and AWS_REGION and run again") from None  # fmt: skip

    def _refused(self, error: ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code == "NoSuchBucket" or (code == "404" and status == 404):
            return problem(self.label, f"存储桶 {self.bucket} 不存在，请检查 PUBLISH_URL 里的桶名和 AWS_ENDPOINT_URL 的地域",
                           f"the bucket {self.bucket} does not exist: check its name in PUBLISH_URL and the region of AWS_ENDPOINT_URL")  # fmt: skip
        if code in (
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
            "InvalidToken",
            "ExpiredToken",
            "InvalidSecurity",
        ):
            return problem(self.label, f"访问密钥不被接受（{code}），请检查 AWS_ACCESS_KEY_ID 和 AWS_SECRET_ACCESS_KEY",
                           f"the credentials were not accepted ({code}): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")  # fmt: skip
        if code in ("AccessDenied", "AllAccessDisabled", "403") or status == 403:
            return problem(self.label, f"密钥没有权限，请给它对存储桶 {self.bucket} 的列出、读取、写入和删除权限",
                           f"the key is not allowed in: give it permission to list, read, write and delete in the bucket {self.bucket}")  # fmt: skip
        if code == "SecondLevelDomainForbidden":
            return problem(self.label, "OSS 只接受 bucket.endpoint 形式的地址，请把 AWS_ENDPOINT_URL 设为 https://s3.oss-<地域>.aliyuncs.com（不要带桶名）",
                           "OSS accepts only virtual-hosted requests: set AWS_ENDPOINT_URL to https://s3.oss-<region>.aliyuncs.com, without the bucket")  # fmt: skip
        return problem(self.label, f"存储服务拒绝了请求（{code or status}），请检查 AWS_ENDPOINT_URL、AWS_REGION 和密钥后重试",
                       f"the storage service refused the request ({code or status}): check AWS_ENDPOINT_URL, AWS_REGION and the keys, then run again")  # fmt: skip


def _etag(value: str) -> str:
    return value.strip('"').lower()


def _content_md5(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()
