"""URL canonicalization: one key per article, whatever link led to it. Pure functions."""

from __future__ import annotations

import re
from ipaddress import ip_address
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

from crawler.patterns import patterns

_DEFAULT_PORTS = {"http": "80", "https": "443"}
_INDEX_FILE = re.compile(r"/(index|default)\.(html?|php|aspx?)$", re.IGNORECASE)
_MULTI_SLASH = re.compile(r"/{2,}")


def _is_tracking(name: str) -> bool:
    conf = patterns()["urls"]
    lowered = name.lower()
    return lowered in conf["tracking_names"] or lowered.startswith(tuple(conf["tracking_prefixes"]))


def _keeps_scheme(host: str) -> bool:
    """Loopback names and IP literals have no certificates: their http is not an https copy."""
    if host == "localhost":
        return True
    try:
        ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class InvalidURL(ValueError):
    """A link that cannot be read as a web address (bad host, bad port, broken IPv6 literal).

    Callers skip the link and keep the page it was on.
    """

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"invalid URL {url[:200]!r}: {reason}")
        self.url = url
        self.reason = reason


def canonicalize(url: str, base: str | None = None) -> str:
    """The canonical form of an article URL; raises InvalidURL for an unreadable http(s) URL.

    https scheme (http and https copies of a page are one article; IP hosts keep theirs),
    lower-case host, no default port, no fragment, no tracking parameters, the
    remaining parameters sorted, no trailing slash or index file, collapsed slashes.
    Other schemes (mailto:, javascript:, relative text) come back stripped, unchanged.
    """
    try:
        if base:
            url = urljoin(base, url)
        parts = urlsplit(safe_url_string(url.strip()))
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            return url.strip()
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except (ValueError, UnicodeError) as exc:
        raise InvalidURL(url, str(exc) or type(exc).__name__) from exc
    if not host:
        raise InvalidURL(url, "no host")
    netloc = host if port is None or str(port) == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    path = _MULTI_SLASH.sub("/", parts.path or "/")
    path = _INDEX_FILE.sub("/", path)
    if len(path) > 1:
        path = path.rstrip("/")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not _is_tracking(k)]
    scheme = scheme if _keeps_scheme(host) else "https"
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def canonical_or_none(url: str, base: str | None = None) -> str | None:
    """canonicalize(), or None for a link that cannot be read (the caller skips it)."""
    try:
        return canonicalize(url, base)
    except InvalidURL:
        return None


def host_of(url: str) -> str:
    """Lower-case host name of a URL ('' when there is none)."""
    return (urlsplit(url).hostname or "").lower()


def in_domains(url: str, domains: list[str] | tuple[str, ...]) -> bool:
    """True when the URL's host is one of the domains or a subdomain of one."""
    host = host_of(url)
    return any(host == d or host.endswith("." + d) for d in domains)


def is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def same_document(a: str, b: str) -> bool:
    """True when two URLs canonicalize to the same article key."""
    return canonicalize(a) == canonicalize(b)
