"""Host-mediated egress from inside the guest: ``web_fetch`` and ``web_search``. The host performs the request,
putting in secret values (the guest holds only tokens) only for origins the operator allowed."""
from __future__ import annotations

import base64
import json
import re
from typing import Any

from ._error_codes import ERROR_CODES
from ._errors import MvmError


class WebResponse:
    """What ``web_fetch`` returns: any secret value the server echoed is back to its token."""

    def __init__(self, reply: dict[str, Any]) -> None:
        self.status: int = reply["status"]
        self.headers: dict[str, str] = reply["headers"]
        self.url: str = reply["url"]
        self.redirects: int = reply.get("redirects", 0)
        self.content: bytes = base64.b64decode(reply["body_b64"]) if "body_b64" in reply else reply["body"].encode("utf-8")

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)

    def __repr__(self) -> str:
        return f"<WebResponse {self.status} {self.url}>"


_FAILED = re.compile(r"host_request \w+ failed: ([A-Za-z_]+): (.*)", re.S)


def _host_request(kind: str, payload: dict[str, Any]) -> Any:
    try:
        import mvm_guest  # provided by the mvm runner inside the microVM
    except ImportError:
        raise MvmError("RUN_NOT_IN_GUEST", f"mvm.{kind} works only inside an mvm microVM: the host performs the request for the guest",
                       "call it from the function that mvmctl invoke runs") from None
    try:
        return mvm_guest.host_request(kind, payload)
    except MvmError:
        raise
    except Exception as e:  # the runner raises with the host's code and message
        code, message = getattr(e, "code", None), getattr(e, "message", None)
        if code is None:
            m = _FAILED.fullmatch(str(e))
            code, message = (m.group(1), m.group(2)) if m else ("RUN_HOST_REQUEST_FAILED", str(e))
        raise MvmError(code if code in ERROR_CODES else "RUN_HOST_REQUEST_FAILED", message or str(e)) from None


def web_fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None, body: str | bytes | None = None,
              timeout: float | None = None) -> WebResponse:
    """Fetches ``url`` through the host. Put a secret's token (the value of its env var) in a header, the URL or
    the body: the host substitutes the real value only for origins the operator allowed for that secret, and
    refuses (sending nothing) otherwise. ``timeout`` is in seconds."""
    payload: dict[str, Any] = {"url": url, "method": method.upper()}
    if headers:
        payload["headers"] = dict(headers)
    if isinstance(body, bytes):
        payload["body_b64"] = base64.b64encode(body).decode("ascii")
    elif body is not None:
        payload["body"] = body
    if timeout is not None:
        payload["timeout_ms"] = max(1, int(timeout * 1000))
    return WebResponse(_host_request("web_fetch", payload))


def web_search(query: str, max_results: int = 5) -> list[dict[str, str]]:
    """Searches the web through the host's configured provider; returns ``[{"title", "url", "snippet"}]``."""
    return _host_request("web_search", {"query": query, "max_results": max_results})
