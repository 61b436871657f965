"""Fixtures for the demo-site tests: the three sites served once per module on 127.0.0.1-3."""

from collections.abc import Iterator

import pytest

from demo_sites.server import ServerHandle, serve_demo
from demo_sites.truth import Truth, load_truth


@pytest.fixture(scope="module")
def demo() -> Iterator[dict[str, ServerHandle]]:
    handles = serve_demo()
    yield handles
    for handle in handles.values():
        handle.stop()


@pytest.fixture(scope="module")
def truth(demo: dict[str, ServerHandle]) -> Truth:
    return load_truth({site: handle.url for site, handle in demo.items()})
