"""Local preview: the built site and the form handler together on one address, as `invoke serve` runs them.

Static files are served the way a static host would (folders as index.html, the theme's
404.html when missing); /api/forms/ goes to the form handler, writing to a local inbox.
"""

from __future__ import annotations

import argparse
import mimetypes
import os
from collections.abc import Mapping
from pathlib import Path

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.utils import safe_join
from werkzeug.wrappers import Request, Response

from core.sealing import RECIPIENT_ENV
from forms.app import create_app, settings_from_env
from forms.checkin import KEY_ENV as CHECKIN_KEY_ENV


def static_site(directory: Path):
    """A WSGI app serving directory like a static host."""

    @Request.application
    def serve(request: Request) -> Response:
        relative = request.path.lstrip("/")
        path = safe_join(str(directory), relative) if relative else str(directory)
        target = Path(path) if path else None
        if target and target.is_dir():
            target = target / "index.html"
        if target is None or not target.is_file():
            # Each edition has its own 404 page (en/404.html), as static hosts can be told to.
            edition = relative.split("/", 1)[0]
            missing = directory / edition / "404.html"
            if not edition or not missing.is_file():
                missing = directory / "404.html"
            return Response(
                missing.read_bytes() if missing.exists() else b"Not found", 404, mimetype="text/html"
            )
        mimetype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if mimetype.startswith("text/") or mimetype in ("application/javascript", "application/xml"):
            mimetype += "; charset=utf-8"
        return Response(target.read_bytes(), headers={"Content-Type": mimetype})

    return serve


def site_with_forms(
    directory: Path, inbox: Path, rate_per_minute: int = 20, environ: Mapping[str, str] | None = None
):
    """The site and the handler, storing in `inbox`. The office's keys, where this computer's
    environment has them, are the handler's too: private fields are sealed as in production
    (FORMS_AGE_RECIPIENT), and volunteers can try the check-in page before the event
    (FORMS_CHECKIN_KEY). The rest of FORMS_* is production's (its address, its storage), not
    the preview's."""
    env = os.environ if environ is None else environ
    keys = {name: env[name] for name in (RECIPIENT_ENV, CHECKIN_KEY_ENV) if env.get(name)}
    handler = settings_from_env(
        {**keys, "FORMS_INBOX": str(inbox), "FORMS_RATE_PER_MINUTE": str(rate_per_minute)}
    )
    return DispatcherMiddleware(static_site(directory), {handler.prefix: create_app(handler)})


def make_preview(
    directory: Path, inbox: Path, host: str = "127.0.0.1", port: int = 8000, rate_per_minute: int = 20
) -> BaseWSGIServer:
    return make_server(host, port, site_with_forms(directory, inbox, rate_per_minute), threaded=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--directory", type=Path, default=Path("output"))
    parser.add_argument("--inbox", type=Path, default=Path("data/inbox"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--rate-per-minute", type=int, default=20)
    args = parser.parse_args()
    make_preview(args.directory, args.inbox, args.host, args.port, args.rate_per_minute).serve_forever()


if __name__ == "__main__":
    main()
