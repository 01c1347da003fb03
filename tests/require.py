"""Tests that need a tool this machine may lack (Java and Maven for Neo4j, Chromium for the browser tests).

Where the tool is missing such a test is skipped, and the reason shows in pytest's summary (``-ra``), so the
README's test command passes on any machine. With ``KG_REQUIRE_ALL=1`` (set by ``.ci/run``) every such skip
is a failure instead, so CI can never pass with them skipped.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

REQUIRE_ALL = "KG_REQUIRE_ALL"


def required() -> bool:
    """True where every test must run (``KG_REQUIRE_ALL=1``): a missing tool then fails the test."""
    return os.environ.get(REQUIRE_ALL) == "1"


def unavailable(why: str) -> NoReturn:
    """Skip the calling test because of `why`, or fail it when ``KG_REQUIRE_ALL=1`` asks for everything."""
    if required():
        pytest.fail(f"{why} ({REQUIRE_ALL}=1: this test must run here)", pytrace=False)
    pytest.skip(why)
