"""The documentation cannot drift from the code: every setting of ours is documented."""

import importlib

from pelican.settings import DEFAULT_CONFIG

from tests.support import ROOT

# Pelican documents these but leaves them out of DEFAULT_CONFIG.
PELICAN_OPTIONAL = {
    "ARCHIVES_SAVE_AS", "ARCHIVES_URL", "AUTHORS_SAVE_AS", "CATEGORIES_SAVE_AS",
    "TAGS_SAVE_AS", "TAGS_URL", "FEED_DOMAIN", "TIMEZONE",
}  # fmt: skip


def test_every_setting_of_ours_is_documented():
    settings = {
        **vars(importlib.import_module("pelicanconf")),
        **vars(importlib.import_module("publishconf")),
    }
    ours = {name for name in settings if name.isupper()} - set(DEFAULT_CONFIG) - PELICAN_OPTIONAL
    documented = (ROOT / "docs/developers.md").read_text(encoding="utf-8")
    assert sorted(name for name in ours if f"`{name}`" not in documented) == []


def test_every_handler_setting_is_documented():
    import re

    code = (ROOT / "forms/app.py").read_text(encoding="utf-8")
    documented = (ROOT / "docs/operators.md").read_text(encoding="utf-8")
    variables = set(re.findall(r'"(FORMS_[A-Z_]+)"', code))
    assert variables and sorted(v for v in variables if f"`{v}`" not in documented) == []


def test_every_publishing_variable_is_documented_and_passed_by_the_workflow():
    import re

    code = "".join((ROOT / name).read_text(encoding="utf-8")
                   for name in ("office/publishing.py", "office/bucket.py", "office/rsync.py", "office/purge.py", "core/s3.py"))  # fmt: skip
    variables = set(re.findall(r'"((?:PUBLISH|AWS)_[A-Z_]+)"', code))
    documented = (ROOT / "docs/deploy.md").read_text(encoding="utf-8")
    workflow = (ROOT / ".github/workflows/publish.yml").read_text(encoding="utf-8")
    assert "PUBLISH_URL" in variables and sorted(v for v in variables if f"`{v}`" not in documented) == []
    assert sorted(v for v in variables if f"{v}: ${{{{ secrets.{v} }}}}" not in workflow) == [
        "AWS_DEFAULT_REGION",  # AWS_REGION is the one passed
        "AWS_SESSION_TOKEN",  # only with OIDC, set by the job itself, never a stored secret
        "PUBLISH_CACHE_CONTROL",  # a setting in publishconf.py, not a variable
        "PUBLISH_RSYNC_OPTIONS",  # not a secret; set in the workflow when needed
    ]


def test_every_column_of_every_table_is_in_the_editors_table_of_tables():
    import yaml

    package = yaml.safe_load((ROOT / "data/datapackage.yaml").read_text(encoding="utf-8"))
    rows = {
        line.split("|")[1].strip(" `"): line
        for line in (ROOT / "docs/editors.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| `") and ".csv`" in line.split("|")[1]
    }
    missing = [
        f"{resource['path']}:{field['name']}"
        for resource in package["resources"]
        for field in resource["schema"]["fields"]
        if resource["path"] != "labels.csv" and f"`{field['name']}`" not in rows.get(resource["path"], "")
    ]
    assert missing == []


def test_the_folder_publish_builds_into_is_its_own_ignored_by_git_and_named_in_the_docs():
    """invoke publish built into output/, the folder the preview serves: the docs could only say
    to stop the preview first."""
    from fnmatch import fnmatch
    from pathlib import Path

    from pelican.settings import read_settings

    local = Path(read_settings(str(ROOT / "pelicanconf.py"))["OUTPUT_PATH"])
    published = Path(read_settings(str(ROOT / "publishconf.py"))["OUTPUT_PATH"])
    assert local != published and local.parent == published.parent == ROOT
    ignored = [line.rstrip("/") for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()]
    for folder in (local.name, published.name, f".{published.name}-building-4242-x1y2"):  # and its staging
        assert any(fnmatch(folder, pattern) for pattern in ignored), folder
    for doc in ("README.md", "docs/editors.md", "docs/deploy.md", "docs/developers.md"):
        assert f"`{published.name}/`" in (ROOT / doc).read_text(encoding="utf-8"), doc
