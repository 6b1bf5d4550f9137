"""Fixtures of the embed's browser tests: a marketing site and an intake that allows it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.embed.site import MarketingSite, intake_for, marketing_site
from tests.support import ServiceProcess


@pytest.fixture(scope="module")
def site() -> Iterator[MarketingSite]:
    """The marketing site, on an origin of its own."""
    with marketing_site() as marketing:
        yield marketing


@pytest.fixture(scope="module")
def embed_intake(base_env: dict[str, str], site: MarketingSite) -> Iterator[ServiceProcess]:
    """An intake that allows the marketing site's origin."""
    with intake_for(site, base_env) as service:
        yield service
