"""The public API: everything in kg.__all__ resolves, and heavy stages are imported only when used."""

from __future__ import annotations

import subprocess
import sys

import kg


def test_every_public_name_resolves() -> None:
    for name in kg.__all__:
        assert getattr(kg, name) is not None, name


def test_importing_kg_does_not_import_spacy() -> None:
    code = "import sys, kg; print('spacy' in sys.modules, 'networkx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
