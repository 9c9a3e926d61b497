"""A function instance for the git inbox's tests: appends submissions to the review branch.

    python -m tests.forms.writer URL COUNT [THREADS]

Prints each id once its push is accepted, then a JSON line of figures (commits, tries lost
to another instance). THREADS > 1 sends submissions at once, like a server's threads.
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from core.definitions import load_forms
from forms.gitinbox import GitInbox, Remote

FORMS = load_forms(Path(__file__).resolve().parents[2] / "forms")


def submission(number: int) -> dict[str, str]:
    return {"name": f"校友{number}", "email": f"a{number}@example.com", "subject": "测试", "message": "你好",
            "consent": "yes"}  # fmt: skip


def main() -> None:
    url, count = sys.argv[1], int(sys.argv[2])
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    # Instances that push without pause, as here, are far beyond an office's busiest hour: with
    # the default bounds (20 tries, 20 s) on a loaded machine, about one submission in 400 would
    # get the "please try again" answer. The bounds are raised so this checks that nothing is
    # lost or doubled; test_gitinbox checks the defaults' bounds on their own.
    inbox = GitInbox(Remote(url, tries=100, seconds=100))

    def send(number: int) -> None:
        submission_id = inbox.append(FORMS["contact"], submission(number))
        print(submission_id, flush=True)  # acknowledged: it must be on the branch from now on

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(send, range(count)))
    print(json.dumps({"commits": inbox.commits, "rows": inbox.rows, "moved": inbox.moved}), flush=True)


if __name__ == "__main__":
    main()
