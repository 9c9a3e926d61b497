"""An S3-protocol client as AWS S3, Alibaba Cloud OSS and Tencent COS all accept it (boto3).

Both buckets of the product use it: the campaign's landing bucket (forms/s3inbox.py) and the
published site's (office/bucket.py).

- OSS accepts only virtual-hosted-style requests (bucket.endpoint/key); S3 and COS prefer them.
  botocore still addresses by path an endpoint given as an IP address (a local test server).
- boto3 1.36 and later add CRC checksums (aws-chunked bodies) that OSS and COS refuse; callers
  send Content-MD5 instead, which all three check. A multi-object delete must carry it (S3's
  rule, which OSS and COS enforce: MissingContentMD5), and boto3 no longer adds it: the client
  does (_content_md5).
- Credentials come from the AWS_* variables given (OSS and COS keys go in the same names), or
  from boto3's usual places when they are not (a function's role, ~/.aws).

boto3 is imported only when a client is made: it takes a third of a second that the handler's
other storages and the office's other tasks should not pay.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from typing import Any

BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")  # S3's rule; OSS and COS names fit it too


def client(environ: Mapping[str, str], tries: int, connect_seconds: float, read_seconds: float,
           connections: int) -> tuple[Any, Any]:  # fmt: skip
    """(the S3 client, the credentials it found, or None); BotoCoreError or ValueError for settings
    that cannot make one (half a key pair, an endpoint that is no URL)."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id=environ.get("AWS_ACCESS_KEY_ID") or None,
        aws_secret_access_key=environ.get("AWS_SECRET_ACCESS_KEY") or None,
        aws_session_token=environ.get("AWS_SESSION_TOKEN") or None,
        region_name=environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or None,
    )
    config = Config(
        s3={"addressing_style": "virtual"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"max_attempts": tries, "mode": "standard"},
        connect_timeout=connect_seconds,
        read_timeout=read_seconds,
        max_pool_connections=connections,
    )
    endpoint = (environ.get("AWS_ENDPOINT_URL") or "").strip() or None
    made = session.client("s3", endpoint_url=endpoint, config=config)
    made.meta.events.register("before-call.s3.DeleteObjects", _content_md5)
    return made, session.get_credentials()


def _content_md5(params: dict, **_) -> None:
    body = params["body"]
    if isinstance(body, bytes) and "Content-MD5" not in params["headers"]:
        digest = hashlib.md5(body, usedforsecurity=False).digest()
        params["headers"]["Content-MD5"] = base64.b64encode(digest).decode()
