"""Fixtures shared by every suite: a Playwright browser driving Debian's chromium.

Browser tests skip with a reason when /usr/bin/chromium is missing, except under
OBS_REQUIRE_BROWSER=1 (set by CI), where a missing browser is a failure.

Property tests (hypothesis) are derandomized by default: the same examples on every run, so
CI cannot fail on a commit that passed before. `make fuzz` (OBS_HYPOTHESIS_PROFILE=fuzz) draws
many fresh random examples to find new counterexamples; keep each one found as an @example.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# "ci" (the default, also for `make test`): a fixed set of examples derived from each test.
settings.register_profile("ci", derandomize=True, database=None, max_examples=150,
                          deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture])
# "fuzz" (`make fuzz`): random seeds and many more examples; failures print a reproducer blob.
settings.register_profile("fuzz", derandomize=False, database=None, max_examples=5000,
                          deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                 HealthCheck.too_slow])
settings.load_profile(os.environ.get("OBS_HYPOTHESIS_PROFILE", "ci"))

CHROMIUM = os.environ.get("OBS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    """One chromium per test module: Playwright's event loop must not outlive the module, or
    later tests that call asyncio.run() (Datasette's client) would fail."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"{CHROMIUM} not installed (Debian package chromium)"
        if os.environ.get("OBS_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def browser_page(browser):
    """A fresh page that may only talk to this machine (map tiles and the like are blocked)."""
    context = browser.new_context(locale="it-IT", viewport={"width": 1280, "height": 900})
    page = context.new_page()

    def only_local(route):
        host = route.request.url.split("/")[2].split(":")[0] if "//" in route.request.url else ""
        if host in ("127.0.0.1", "localhost") or host.startswith("127."):
            return route.continue_()
        return route.abort()

    page.route("**/*", only_local)
    yield page
    context.close()
