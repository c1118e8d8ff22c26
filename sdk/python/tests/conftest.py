"""Shared test setup: a clean SDK state per test, and running scripts the way a user does."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

SDK_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(SDK_ROOT))

from mvm._state import STATE  # noqa: E402


@pytest.fixture(autouse=True)
def fresh_sdk_state():
    """One app per process is the rule; each in-process test starts as a fresh process would."""
    STATE.app = None
    STATE.emitted = False
    yield
    STATE.app = None
    STATE.emitted = False


@dataclass
class ScriptRun:
    stdout: bytes
    stderr: str
    returncode: int


@pytest.fixture
def run_script(tmp_path):
    """Writes ``source`` to ``<tmp>/<name>`` and runs it with python3, as ``python3 app.py`` would."""

    def run(source: str, *, name: str = "app.py", env: dict[str, str] | None = None) -> ScriptRun:
        script = tmp_path / name
        script.write_text(textwrap.dedent(source), encoding="utf-8")
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("MVM_SDK_")}
        full_env.update({"PYTHONPATH": str(SDK_ROOT), "PYTHONDONTWRITEBYTECODE": "1", **(env or {})})
        done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=full_env, capture_output=True, timeout=60)
        return ScriptRun(done.stdout, done.stderr.decode("utf-8"), done.returncode)

    return run
