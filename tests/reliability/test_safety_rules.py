"""The crawler's safety rules (crawler/safety.py) on their own: pure decisions, and the address
guard refusing IP literals and loopback names before any connection (no network involved)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from scrapy import Request

from crawler.safety import (
    AddressGuardMiddleware,
    BlockedAddress,
    BlockedScheme,
    BudgetExceeded,
    address_refusal,
    ignore_kind,
    is_public_address,
    looks_binary,
    looks_latin1,
    retry_after_seconds,
)
from tests.reliability.content import PDF_HEAD, PNG_HEAD

NAMED = frozenset({"127.0.0.1", "comune.example.it"})


@pytest.mark.parametrize("address", [
    "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "127.0.0.2", "0.0.0.0",
    "100.64.0.1", "::1", "fe80::1", "fd00::1", "224.0.0.1", "255.255.255.255", "not-an-ip",
])
def test_non_public_addresses(address: str):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2a00:1450:4002:402::200e"])
def test_public_addresses(address: str):
    assert is_public_address(address)


def test_address_refusal_allows_only_named_non_public_hosts():
    assert address_refusal("127.0.0.1", None, NAMED) is None
    assert address_refusal("127.0.0.2", None, NAMED)
    assert address_refusal("169.254.169.254", None, NAMED)
    assert address_refusal("localhost", None, NAMED)
    assert address_refusal("intranet.localhost", None, NAMED)
    # A name that resolves to a private address is refused unless the registry names it.
    assert "10.1.2.3" in address_refusal("intranet.example.it", "10.1.2.3", NAMED)
    assert address_refusal("comune.example.it", "10.1.2.3", NAMED) is None
    assert address_refusal("www.example.it", "93.184.216.34", NAMED) is None


def _guard(budget: int = 100) -> AddressGuardMiddleware:
    return AddressGuardMiddleware(NAMED, budget)


@pytest.mark.parametrize("url,error", [
    ("file:///etc/passwd", BlockedScheme), ("ftp://127.0.0.1/x", BlockedScheme),
    ("data:text/html,<p>x</p>", BlockedScheme), ("s3://bucket/key", BlockedScheme),
    ("http://169.254.169.254/latest/meta-data/", BlockedAddress),
    ("http://10.0.0.1/", BlockedAddress), ("http://192.168.0.1/", BlockedAddress),
    ("http://[::1]:8080/", BlockedAddress), ("http://localhost:8000/", BlockedAddress),
])
def test_guard_refuses_before_any_connection(url: str, error: type):
    with pytest.raises(error) as caught:
        asyncio.run(_guard().process_request(Request(url, meta={"source_id": "s"})))
    assert ignore_kind(caught.value) in ("blocked_scheme", "blocked_address")


def test_guard_lets_named_hosts_through_and_counts_the_budget():
    guard = _guard(budget=2)
    for _ in range(2):
        asyncio.run(guard.process_request(Request("http://127.0.0.1:9/a", meta={"source_id": "s"})))
    retry = Request("http://127.0.0.1:9/a", meta={"source_id": "s", "retry_times": 1})
    asyncio.run(guard.process_request(retry))  # retries do not spend the budget
    with pytest.raises(BudgetExceeded):
        asyncio.run(guard.process_request(Request("http://127.0.0.1:9/b",
                                                  meta={"source_id": "s"})))
    asyncio.run(guard.process_request(Request("http://127.0.0.1:9/c", meta={"source_id": "t"})))


def test_retry_after_values():
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120
    assert retry_after_seconds("Sun, 22 Nov 2026 12:01:30 GMT", now) == 90
    assert retry_after_seconds("Thu, 01 Jan 1970 00:00:00 GMT", now) == 0
    for bad in (None, "", "soon", "-5", "1.5e9x"):
        assert retry_after_seconds(bad, now) is None


def test_binary_and_latin1_detection():
    assert looks_binary(PNG_HEAD) and looks_binary(PDF_HEAD) and looks_binary(b"<html>\x00")
    assert not looks_binary(b"  <!doctype html><html>")
    assert not looks_binary("<html>città</html>".encode("utf-16"))
    assert looks_latin1("Città di Comunità".encode("latin-1"))
    assert not looks_latin1("Città".encode())
    assert not looks_latin1("Città ".encode() + b"\xff")  # UTF-8 with one bad byte stays UTF-8


def test_scrapy_refusals_get_clear_kinds():
    from scrapy.exceptions import IgnoreRequest

    assert ignore_kind(IgnoreRequest("Forbidden by robots.txt")) == "disallowed"
    assert ignore_kind(IgnoreRequest("... exceeded DOWNLOAD_MAXSIZE (5 B) ...")) == "too_large"
    assert ignore_kind(IgnoreRequest("max redirections reached")) == "redirect_loop"
    assert ignore_kind(IgnoreRequest("something else")) is None
