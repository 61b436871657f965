"""A polite synchronous fetcher for onboarding one site (`sources discover`): a bounded number
of pages per site, the crawler's User-Agent, timeout and size limit (crawler/settings.py), a
delay between requests that robots.txt Crawl-delay can only lengthen, robots.txt obeyed for
every page after robots.txt itself, and redirects followed only inside the site's domains.

    fetcher = SiteFetcher("https://www.comune.esempio.it/", FetchPolicy(max_pages=15))
    page = fetcher.get("https://www.comune.esempio.it/notizie")
    page.ok, page.status, page.text, page.error   # error: a short Italian reason

Scrapy is not used here: discovery reads a handful of pages per site in a fixed order, which a
plain loop says more plainly than callbacks, and a thread pool runs many sites at once.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urljoin

from protego import Protego

from crawler import settings as crawl_settings
from crawler.decoding import decode_html
from crawler.safety import address_refusal, looks_binary
from crawler.urls import host_of, in_domains, is_http_url

REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class FetchPolicy:
    """Limits of one site's discovery; defaults are the crawler's own settings."""

    max_pages: int = 15
    delay: float = crawl_settings.DOWNLOAD_DELAY
    timeout: float = crawl_settings.DOWNLOAD_TIMEOUT
    max_size: int = crawl_settings.DOWNLOAD_MAXSIZE
    max_redirects: int = crawl_settings.REDIRECT_MAX_TIMES
    max_crawl_delay: float = crawl_settings.ROBOTSTXT_CRAWL_DELAY_MAX
    user_agent: str = crawl_settings.USER_AGENT


@dataclass(frozen=True)
class Fetched:
    url: str  # final URL, after redirects
    status: int = 0
    body: bytes = b""
    content_type: str = ""
    location: str = ""  # Location of a redirect
    error: str = ""  # why nothing usable came back (Italian), "" when status is 2xx

    @property
    def ok(self) -> bool:
        return not self.error and 200 <= self.status < 300

    @cached_property
    def text(self) -> str:
        return decode_html(self.body, self.content_type).text


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003 - urllib's signature
        return None


@dataclass
class SiteFetcher:
    """Fetches pages of one site within its page budget; `pages` counts requests made."""

    homepage: str
    policy: FetchPolicy = field(default_factory=FetchPolicy)
    pages: int = 0
    robots: Protego | None = None
    domains: tuple[str, ...] = ()
    _last: float = 0.0

    def __post_init__(self) -> None:
        self.domains = self.domains or (site_domain(self.homepage),)
        self._opener = urllib.request.build_opener(_NoRedirect)

    @property
    def left(self) -> int:
        return self.policy.max_pages - self.pages

    def load_robots(self) -> Fetched:
        """Reads /robots.txt (a missing or unreadable one allows everything, as in Scrapy)."""
        page = self.get(urljoin(self.homepage, "/robots.txt"), check_robots=False)
        text = page.text if page.ok else ""
        self.robots = Protego.parse(text)
        return page

    @property
    def crawl_delay(self) -> float:
        delay = self.robots.crawl_delay(self.policy.user_agent) if self.robots else None
        return min(float(delay or 0), self.policy.max_crawl_delay)

    def allowed(self, url: str) -> bool:
        """True when robots.txt lets the crawler's User-Agent fetch the URL."""
        return self.robots is None or self.robots.can_fetch(url, self.policy.user_agent)

    def rebase(self, url: str) -> None:
        """The homepage moved (a redirect to another host): the site is now that host."""
        self.homepage = url
        self.domains = tuple(dict.fromkeys((*self.domains, site_domain(url))))

    def get(self, url: str, *, check_robots: bool = True, any_host: bool = False) -> Fetched:
        """One page (redirects followed inside the site unless `any_host`); never raises."""
        for _ in range(self.policy.max_redirects + 1):
            refusal = self._refusal(url, check_robots, any_host)
            if refusal:
                return Fetched(url, error=refusal)
            page = self._request(url)
            if page.status not in REDIRECTS:
                return page
            if not page.location:
                return Fetched(url, page.status, error="rinvio senza destinazione")
            url = urljoin(url, page.location)
        return Fetched(url, error="troppi rinvii")

    def _refusal(self, url: str, check_robots: bool, any_host: bool) -> str:
        if not is_http_url(url):
            return "non è un indirizzo http(s)"
        if not any_host and not in_domains(url, self.domains):
            return f"fuori dal sito ({host_of(url)})"
        named = frozenset({host_of(self.homepage), *self.domains})
        reason = address_refusal(host_of(url), None, named)
        if reason:  # a redirect to a loopback or private address the user did not name
            return f"indirizzo non pubblico ({host_of(url)})"
        if check_robots and not self.allowed(url):
            return "vietato da robots.txt"
        if self.left <= 0:
            return "limite di pagine per sito raggiunto"
        return ""

    def _wait(self) -> None:
        delay = max(self.policy.delay, self.crawl_delay)
        wait = self._last + delay - time.monotonic()
        if self._last and wait > 0:
            time.sleep(wait)

    def _request(self, url: str) -> Fetched:
        self._wait()
        self.pages += 1
        request = urllib.request.Request(url, headers={"User-Agent": self.policy.user_agent,
                                                       "Accept": "*/*"})
        try:
            with self._opener.open(request, timeout=self.policy.timeout) as resp:
                return self._read(resp, url, resp.status)
        except urllib.error.HTTPError as exc:
            if exc.code in REDIRECTS:
                return Fetched(url, exc.code, location=exc.headers.get("Location", ""))
            return Fetched(url, exc.code, error=f"risposta HTTP {exc.code}")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return Fetched(url, error=f"non raggiungibile ({reason})")
        finally:
            self._last = time.monotonic()

    def _read(self, resp, url: str, status: int) -> Fetched:  # noqa: ANN001 - urllib response
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.policy.max_size:
            return Fetched(url, status, error="pagina troppo grande")
        body = resp.read(self.policy.max_size + 1)
        if len(body) > self.policy.max_size:
            return Fetched(url, status, error="pagina troppo grande")
        content_type = resp.headers.get("Content-Type", "")
        if looks_binary(body[:2048]) and not body.startswith(b"\x1f\x8b"):
            return Fetched(url, status, error="contenuto binario, non una pagina")
        return Fetched(resp.geturl() or url, status, body, content_type)


def site_domain(url: str) -> str:
    """The domain a source keeps to: the host without a leading "www."."""
    host = host_of(url)
    return host[4:] if host.startswith("www.") else host
