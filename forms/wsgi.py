"""The handler for a production WSGI server, configured by FORMS_* environment variables:

gunicorn --workers 2 --threads 8 forms.wsgi:application

Settings that cannot work (FORMS_MODE=production without its keys, say) stop the start with
one sentence each on stderr, the operator's log, and no traceback.
"""

import sys

from core.problems import ProblemsFound
from forms.app import create_app, settings_from_env

try:
    application = create_app(settings_from_env())
except ProblemsFound as refused:
    print("\n".join(problem.sentence() for problem in refused.problems), file=sys.stderr)
    # 3 is gunicorn's "worker failed to boot": it stops, rather than start workers forever.
    raise SystemExit(3) from None
