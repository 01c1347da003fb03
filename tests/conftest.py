"""Shared test fixtures: the sample corpus shipped in examples/corpus and small input files written per test."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["plugins.neo4j_server"]

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "examples" / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def corpus_dir() -> Path:
    """The real sample corpus, shipped with the repository (examples/corpus: five trending-page dumps)."""
    return CORPUS


@pytest.fixture
def fixtures() -> Path:
    """Folder of the small input files written for these tests."""
    return FIXTURES
