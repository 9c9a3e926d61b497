"""The two builds a crawler meets: the local one (`make serve`) and the published one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from pelican.settings import read_settings

from pelicanconf import PREVIEW_URL
from tests.support import ROOT


@dataclass
class Built:
    output: Path
    address: str  # where what names pages in full names them: PREVIEW_URL locally, else SITEURL

    def local(self, address: str) -> str:
        """An address of this site as a path from its root; any other left as it is."""
        if address == self.address or address.startswith(f"{self.address}/"):
            return address[len(self.address) :] or "/"
        return address


@pytest.fixture(params=["local", "published"])
def site(request) -> Built:
    if request.param == "local":
        return Built(request.getfixturevalue("demo_site"), PREVIEW_URL)
    return Built(
        request.getfixturevalue("published_site"), read_settings(str(ROOT / "publishconf.py"))["SITEURL"]
    )
