"""Start and stop the development Neo4j of ``scripts/neo4j-local`` from Python (tests and the benchmark).

Each `LocalNeo4j` is one server instance in its own folder, with its own free port and password, so tests can
run a throwaway server beside the shared one. This drives the script from a source checkout; it is a
development tool, not something `kg` itself needs.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import StoreError

__all__ = ["LocalNeo4j", "SCRIPT"]

SCRIPT = Path(os.environ.get("KG_NEO4J_SCRIPT") or Path(__file__).resolve().parents[2] / "scripts" / "neo4j-local")


@dataclass
class LocalNeo4j:
    """A development server in `folder` (data, log, state file); `start` fills in `uri` and `pid`."""

    folder: Path
    password: str = field(default_factory=lambda: "kg-" + secrets.token_urlsafe(12))
    user: str = "neo4j"
    uri: str = ""
    pid: int = 0

    def _run(self, *args: str, timeout: float = 300) -> str:
        env = {**os.environ, "NEO4J_PASSWORD": self.password, "NEO4J_USER": self.user}
        try:
            done = subprocess.run([str(SCRIPT), *args, "--dir", str(self.folder)], env=env, capture_output=True,
                                  text=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise StoreError(f"{SCRIPT} {args[0]} failed: {exc}") from exc
        if done.returncode != 0:
            raise StoreError(f"{SCRIPT} {args[0]} failed: {done.stderr.strip()[-2000:]}")
        return done.stdout.strip()

    def start(self, port: int = 0) -> str:
        """Start the server (fetching the jars the first time); returns its Bolt URI."""
        self.uri = self._run("start", "--port", str(port)).splitlines()[-1]
        state = dict(line.split("=", 1) for line in (self.folder / "state").read_text().splitlines() if "=" in line)
        self.pid = int(state["pid"])
        return self.uri

    def stop(self) -> None:
        """Stop the server cleanly (SIGTERM, then SIGKILL after 60 s)."""
        self._run("stop")

    def kill(self) -> None:
        """Kill the server process at once (SIGKILL), as a crash would, and wait until it is gone."""
        os.kill(self.pid, signal.SIGKILL)
        for _ in range(200):
            try:
                if Path(f"/proc/{self.pid}/stat").read_text().split()[2] == "Z":
                    return  # dead; its new parent has not reaped it yet
            except (OSError, IndexError):
                return
            time.sleep(0.05)
