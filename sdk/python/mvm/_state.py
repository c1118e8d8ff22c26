"""The SDK's per-process state: one app per process and one IR printed, never two."""
from __future__ import annotations

from dataclasses import dataclass

from ._ir import App


@dataclass
class SdkState:
    app: App | None = None
    emitted: bool = False


STATE = SdkState()
