"""Shared test fixtures: paths to the optional real corpus and small input files written per test."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["plugins.neo4j_server"]

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def corpus_dir() -> Path:
    """The real sample corpus, or a clean skip where ../shared/corpus is absent."""
    if not CORPUS.is_dir() or not list(CORPUS.glob("*.txt")):
        pytest.skip("../shared/corpus is absent")
    return CORPUS


@pytest.fixture
def fixtures() -> Path:
    """Folder of the small input files written for these tests."""
    return FIXTURES
