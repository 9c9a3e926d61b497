"""moto's S3 server as a WSGI application, for gunicorn: one worker (moto keeps the buckets in
its memory) with threads. It answers twice as fast as `python -m moto.server`, whose
development server is most of a request's time, so the landing tests and benchmarks measure
the handler rather than the stand-in for the bucket.

    gunicorn --workers 1 --threads 16 --worker-class gthread tests.s3app:application

Like S3 itself, it refuses a body shorter than its Content-Length (a client killed mid-upload):
moto alone would store what arrived, an empty or half object. Like Alibaba OSS and Tencent COS
(and S3's own documentation), it refuses a multi-object delete without Content-MD5, which moto
alone takes.
"""

import io

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

_moto = DomainDispatcherApplication(create_backend_app)
_NO_MD5 = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>MissingContentMD5</Code>'
    b"<Message>Missing required header for this request: Content-Md5.</Message></Error>"
)
_INCOMPLETE = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>IncompleteBody</Code>'
               b"<Message>You did not provide the number of bytes specified by the Content-Length HTTP header"
               b"</Message></Error>")  # fmt: skip


def application(environ, start_response):
    query = {part.partition("=")[0] for part in environ.get("QUERY_STRING", "").split("&")}
    if environ["REQUEST_METHOD"] == "POST" and "delete" in query and not environ.get("HTTP_CONTENT_MD5"):
        start_response("400 Bad Request", [("Content-Type", "application/xml")])
        return [_NO_MD5]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length:
        body = environ["wsgi.input"].read(length)
        if len(body) < length:
            start_response("400 Bad Request", [("Content-Type", "application/xml")])
            return [_INCOMPLETE]
        environ["wsgi.input"] = io.BytesIO(body)
    return _moto(environ, start_response)
