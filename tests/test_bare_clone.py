"""A bare clone just works: the README's first command builds the shipped sample corpus with nothing beside
the clone, and the README's test command passes without Java or Chromium (skipping, with the reason, the tests
that need them), while KG_REQUIRE_ALL=1 turns those skips into failures."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from require import unavailable

REPO = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    """The two commands of the README's first code block: setup+build, then tests."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", readme, re.S)
    assert block, "the README starts with a bash block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_readme_starts_with_setup_and_build_then_tests() -> None:
    setup_build, tests = _readme_commands()
    steps = [s.strip() for s in setup_build.split("&&")]
    assert steps[0] == "python3 -m venv .venv" and steps[1].startswith(".venv/bin/pip install")
    assert steps[2] == ".venv/bin/kg build examples/corpus --out kg-out"
    assert tests == ".venv/bin/python -m pytest"


@pytest.mark.slow
@pytest.mark.corpus
def test_a_bare_clone_builds_the_sample_corpus_with_nothing_beside_it(tmp_path: Path) -> None:
    """Clone the committed repository into an empty folder and run the README's build step there, with this
    venv's Python and the clone's own `kg` (PYTHONPATH; installing it again would only re-copy the same
    dependencies). A file the build needs but git does not hold (ignored, uncommitted, beside the checkout)
    makes this fail."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        unavailable("not a git checkout (or no git): cannot clone the repository")
    clone = tmp_path / "kg"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True, timeout=120)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kg"], "nothing beside the clone"
    build_step = _readme_commands()[0].split("&&")[2].split()
    assert build_step[0] == ".venv/bin/kg"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PYTHONPATH=str(clone), KG_CACHE_DIR=str(tmp_path / "cache"), HOME=str(tmp_path / "home"))
    where = subprocess.run([sys.executable, "-c", "import kg; print(kg.__file__)"], cwd=clone, env=env,
                           capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(clone), "the clone's kg runs, not this checkout's"

    done = subprocess.run([sys.executable, "-m", "kg", *build_step[1:]], cwd=clone, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r"^  papers +708 ", done.stdout, re.M), done.stdout
    manifest = json.loads((clone / "kg-out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["papers"] == 708 and manifest["entries"] == 745
    assert not (tmp_path / "shared").exists()


def _run_pytest(tests: list[str], tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """The README's test command on `tests`, on a machine with no java, mvn or chromium on its PATH."""
    empty = tmp_path / "bin"
    empty.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if k not in ("KG_REQUIRE_ALL", "KG_SKIP_NEO4J", "KG_SKIP_BROWSER", "PYTEST_ADDOPTS")}
    env.update(PATH=str(empty), KG_CHROMIUM=str(tmp_path / "no-chromium"), **extra)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *tests], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=600)


NEEDS_TOOLS = ["tests/test_neo4j_push.py::test_constraints_first_one_per_label",
               "tests/test_views_browser.py::test_xss_in_a_view_runs_nothing_and_shows_as_text"]


@pytest.mark.slow
def test_without_java_or_chromium_those_tests_skip_with_the_reason(tmp_path: Path) -> None:
    done = _run_pytest(NEEDS_TOOLS, tmp_path)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-3000:]
    assert "2 skipped" in out, out[-3000:]
    assert re.search(r"SKIPPED .*the Neo4j tests need java and mvn", out), out[-3000:]
    assert re.search(r"SKIPPED .*no-chromium is missing", out), out[-3000:]


@pytest.mark.slow
def test_kg_require_all_turns_those_skips_into_failures(tmp_path: Path) -> None:
    done = _run_pytest(NEEDS_TOOLS, tmp_path, KG_REQUIRE_ALL="1")
    out = done.stdout + done.stderr
    assert done.returncode == 1, out[-3000:]
    assert "skipped" not in out and re.search(r"2 (failed|errors)|1 failed, 1 error", out), out[-3000:]
    assert "KG_REQUIRE_ALL=1" in out


def test_ci_sets_kg_require_all_before_the_readme_test_command() -> None:
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    require = next(i for i, line in enumerate(script) if line.strip() == "export KG_REQUIRE_ALL=1")
    tests = next(i for i, line in enumerate(script) if line.strip() == _readme_commands()[1])
    assert require < tests
    assert shlex.split(script[tests]) == [".venv/bin/python", "-m", "pytest"]
