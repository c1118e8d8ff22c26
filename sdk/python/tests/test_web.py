"""mvm.web_fetch / web_search from the guest's side: the payload the runner relays, the reply decoding, the
error mapping. The host side (substitution, policy) is tested against real servers in packages/runtime."""
import base64
import sys
import types

import pytest

import mvm


@pytest.fixture
def relay(monkeypatch):
    calls = []
    guest = types.ModuleType("mvm_guest")

    def host_request(kind, payload):
        calls.append((kind, payload))
        return guest.reply(kind, payload)

    guest.host_request = host_request
    monkeypatch.setitem(sys.modules, "mvm_guest", guest)
    return guest, calls


def test_outside_a_guest_is_run_not_in_guest():
    sys.modules.pop("mvm_guest", None)
    with pytest.raises(mvm.MvmError) as e:
        mvm.web_fetch("https://api.example.com")
    assert e.value.code == "RUN_NOT_IN_GUEST"


def test_payload_and_text_reply(relay):
    guest, calls = relay
    guest.reply = lambda kind, p: {"status": 201, "headers": {"x": "1"}, "url": p["url"], "redirects": 0, "body": '{"ok": true}'}
    r = mvm.web_fetch("https://api.example.com/v1", method="post", headers={"authorization": "mvm-secret:k:abc"}, body="hi", timeout=1.5)
    assert calls == [("web_fetch", {"url": "https://api.example.com/v1", "method": "POST", "headers": {"authorization": "mvm-secret:k:abc"},
                                    "body": "hi", "timeout_ms": 1500})]
    assert (r.status, r.headers, r.json(), r.text) == (201, {"x": "1"}, {"ok": True}, '{"ok": true}')


def test_binary_body_both_ways(relay):
    guest, calls = relay
    guest.reply = lambda kind, p: {"status": 200, "headers": {}, "url": p["url"], "body_b64": base64.b64encode(b"\xff\x00").decode()}
    r = mvm.web_fetch("https://x.example", body=b"\x01\x02")
    assert calls[0][1]["body_b64"] == "AQI="
    assert r.content == b"\xff\x00"


def test_host_refusal_keeps_its_code(relay):
    guest, _ = relay

    def refuse(kind, p):
        raise RuntimeError('host_request web_fetch failed: SECRET_ORIGIN_NOT_ALLOWED: the secret "k" may not be sent to https://evil.example')

    guest.reply = refuse
    with pytest.raises(mvm.MvmError) as e:
        mvm.web_fetch("https://evil.example")
    assert e.value.code == "SECRET_ORIGIN_NOT_ALLOWED"
    assert "evil.example" in str(e.value)


def test_web_search(relay):
    guest, calls = relay
    guest.reply = lambda kind, p: [{"title": "t", "url": "u", "snippet": "s"}]
    assert mvm.web_search("microvm", max_results=3) == [{"title": "t", "url": "u", "snippet": "s"}]
    assert calls == [("web_search", {"query": "microvm", "max_results": 3})]
