"""``MVM_SDK_MODE=guest``: set by every mvm image (its agent.json env). Inside the microVM the declaration was
already compiled and built, so ``@mvm.app(...)`` only hands the function back and emitting prints nothing.
Mirrors mvm-sdk's guest-mode.ts."""
from __future__ import annotations

import os

GUEST_SDK_MODE = "guest"


def in_guest() -> bool:
    return os.environ.get("MVM_SDK_MODE") == GUEST_SDK_MODE
