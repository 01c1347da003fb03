"""A real headless Chromium for the view and site tests (and scripts/bench_view.py), with the network off.

Debian's `chromium` is driven by Playwright through its executable path (no `playwright install`). Every
request that is not ``file://`` is failed and recorded, as are console errors, page errors, failed requests
and dialogs, so a test can assert that a page loaded cleanly and ran nothing it should not have.

Without /usr/bin/chromium (or with KG_SKIP_BROWSER=1) the tests are skipped with the reason, or fail where
KG_REQUIRE_ALL=1 (``.ci/run``, which installs Chromium) asks for every test (tests/require.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def browser_problem() -> tuple[str, str] | None:
    """("skip", why) when the browser tests cannot run here, None when they can."""
    if os.environ.get("KG_SKIP_BROWSER") == "1":
        return "skip", "KG_SKIP_BROWSER=1"
    if not Path(CHROMIUM).is_file():
        return "skip", f"{CHROMIUM} is missing: apt-get install -y chromium (see .ci/run)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "skip", "playwright is not installed: pip install -e '.[dev]'"
    return None


@dataclass
class Tab:
    """One page plus everything it did wrong: blocked requests, console errors, page errors, dialogs."""

    page: Any
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Everything that should not have happened, as readable lines (empty when the page was clean)."""
        return ([f"blocked request {u}" for u in self.blocked] + [f"failed request {u}" for u in self.failed]
                + [f"console error {m}" for m in self.console_errors] + [f"page error {m}" for m in self.page_errors]
                + [f"dialog {m}" for m in self.dialogs])

    def wait_ready(self, timeout_ms: int = 30_000) -> None:
        """Wait until kg-graph.js reports the graph drawn (and settled, when physics is on)."""
        self.page.wait_for_function("window.kgView && window.kgView.ready", timeout=timeout_ms)


class Browser:
    """A headless Chromium with a fresh profile; `open(path)` gives a watched Tab."""

    def __init__(self, context: Any) -> None:
        self.context = context

    def open(self, target: Path | str, wait_ready: bool = False) -> Tab:
        """Open a local file (Path) or URL in a new tab that blocks and records every non-file:// request."""
        page = self.context.new_page()
        tab = Tab(page)

        def route(r: Any) -> None:
            if r.request.url.startswith("file://"):
                r.continue_()
            else:
                tab.blocked.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("console", lambda m: tab.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: tab.page_errors.append(str(e)))
        page.on("requestfailed", lambda r: tab.failed.append(r.url) if r.url not in tab.blocked else None)

        def dialog(d: Any) -> None:
            tab.dialogs.append(f"{d.type}: {d.message}")
            d.dismiss()

        page.on("dialog", dialog)
        url = Path(target).resolve().as_uri() if isinstance(target, Path) else target
        page.goto(url, wait_until="load")
        if wait_ready:
            tab.wait_ready()
        return tab


@contextmanager
def chromium() -> Iterator[Browser]:
    """Start Chromium (fresh user-data-dir, network-free flags) and stop it afterwards."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="kg-chromium-")
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=ARGS, viewport={"width": 1280, "height": 900},
                offline=False,
            )
            try:
                yield Browser(context)
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
