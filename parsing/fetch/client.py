"""A safe, polite HTTP client for government sites (httpx underneath; nothing home-made on the wire).

What every request gets:

* **http(s) only**, and never an address inside the office: every address a host name resolves to is checked before
  connecting, at the socket (so a DNS answer that changes between the check and the connection cannot slip
  through) and again at every redirect hop. Loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local
  (169.254/16, fe80::/10, where cloud metadata lives), carrier-grade NAT, multicast, reserved and unspecified
  addresses are refused unless the office lists them in :attr:`Settings.allow` (``GOVREPORT_FETCH_ALLOW``:
  comma-separated networks such as ``10.20.0.0/16``). A host that resolves to any refused address is refused.
  Proxies from the environment are not used (a proxy would resolve the host itself).
* **limits**: a connect/read timeout, a deadline for the whole response, a size cap (the ``Content-Length``
  is checked first, then the bytes as they arrive, decompressed), and a cap on redirects.
* **politeness per host**: at most :attr:`Settings.per_host` requests at a time, a pause between two requests
  to one host, retries with exponential backoff on timeouts, connection errors and 429/5xx (``Retry-After``
  honoured up to a limit), and robots.txt for the client's User-Agent (RFC 9309: a robots.txt answering 4xx means
  no rules; one answering 5xx, or unreachable, means stay away for now).

Every failure is a :class:`FetchError` with a Chinese message for the reviewer and a ``kind``.
"""
from __future__ import annotations

import ipaddress
import os
import socket
import threading
import time
import urllib.robotparser
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Callable, Optional
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

BEIJING = timezone(timedelta(hours=8), "北京时间")
ENV_ALLOW = "GOVREPORT_FETCH_ALLOW"
USER_AGENT = "GovReportReview/1.0 (annual-report review for a government office; at most 2 requests at a time per site)"

# kinds of failure
REFUSED, ROBOTS, TIMEOUT, TOO_LARGE, HTTP_STATUS, UNREACHABLE, REDIRECTS, NOT_REPORT = (
    "refused", "robots", "timeout", "too_large", "http", "unreachable", "redirects", "not_report")

MSG_SCHEME = "只能从 http 或 https 网址导入，“{url}”不是（不读取 file:、ftp: 等地址）。"
MSG_BAD_URL = "网址“{url}”格式不正确。"
MSG_PRIVATE = ("出于安全考虑，不访问本机、内网或保留地址：{host} 对应 {ip}。"
               "如确需导入内网网站，请由管理员在环境变量 GOVREPORT_FETCH_ALLOW 中列出允许的地址段。")
MSG_ROBOTS = "该网站的 robots.txt 不允许抓取此网址，已跳过：{url}"
MSG_ROBOTS_DOWN = "该网站的 robots.txt 暂时无法读取（{reason}），按规范暂不抓取：{url}"
MSG_TIMEOUT = "访问超时（{seconds:g} 秒内没有完成）：{url}"
MSG_TOO_LARGE = "文件太大（超过 {mb} MB），未下载：{url}"
MSG_STATUS = "不能访问：网站返回 HTTP {status}{meaning}：{url}"
MSG_UNREACHABLE = "不能访问：无法连接到 {host}（{reason}）：{url}"
MSG_REDIRECTS = "重定向次数过多（超过 {n} 次），已停止：{url}"
STATUS_ZH = {400: "（请求有误）", 401: "（需要登录）", 403: "（禁止访问）", 404: "（网页不存在）", 410: "（网页已删除）",
             429: "（请求过于频繁）", 500: "（网站内部错误）", 502: "（网关错误）", 503: "（网站暂时不可用）", 504: "（网关超时）"}
RETRY_STATUS = {429, 500, 502, 503, 504}


class FetchError(Exception):
    """A URL that could not be fetched: ``message`` in Chinese for the reviewer, ``kind`` for code and tests."""

    def __init__(self, message: str, kind: str, url: str = "", status: Optional[int] = None):
        super().__init__(message)
        self.message, self.kind, self.url, self.status = message, kind, url, status


class _Refused(Exception):
    """Raised inside the connection layer for an address that may not be reached (not an OSError, so that httpcore
    does not turn it into an ordinary connection error)."""

    def __init__(self, host: str, ip: str):
        super().__init__(f"{host} -> {ip}")
        self.host, self.ip = host, ip


def _networks(items) -> tuple:
    out = []
    for item in items:
        item = str(item).strip()
        if item:
            out.append(ipaddress.ip_network(item, strict=False))
    return tuple(out)


def env_allow() -> tuple[str, ...]:
    """The networks the office allows (``GOVREPORT_FETCH_ALLOW``), empty by default."""
    return tuple(x.strip() for x in os.environ.get(ENV_ALLOW, "").split(",") if x.strip())


@dataclass
class Settings:
    """Limits and manners of the fetcher. The defaults suit a government site; tests shrink them."""

    timeout: float = 20.0  # seconds to connect, and between two pieces of a response
    deadline: float = 120.0  # seconds for one whole response
    max_bytes: int = 50 << 20  # one page or attachment (the upload limit, parsing.limits.MAX_FILE_MB)
    max_redirects: int = 5
    per_host: int = 1  # requests at a time to one host (at most 2)
    pause: float = 1.0  # seconds between the starts of two requests to one host
    retries: int = 2  # further tries after a timeout, a connection error or 429/5xx
    backoff: float = 2.0  # seconds before the first retry, doubled each time
    max_retry_after: float = 60.0
    robots: bool = True
    user_agent: str = USER_AGENT
    allow: tuple = field(default_factory=env_allow)  # networks allowed although private (CIDR strings)
    parallel_hosts: int = 4  # URLs of different hosts fetched at the same time

    def __post_init__(self):
        self.per_host = max(1, min(int(self.per_host), 2))
        self._allowed = _networks(self.allow)

    def address_allowed(self, ip: str) -> bool:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
        if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
            addr = addr.ipv4_mapped
        if any(addr in net for net in self._allowed):
            return True
        return addr.is_global and not addr.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (an IP literal is itself)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return [host.strip("[]")]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_host(host: str, port: int, settings: Settings) -> list[str]:
    """The addresses of ``host`` if every one of them may be reached; raises :class:`_Refused` otherwise."""
    addrs = resolve(host, port)
    for ip in addrs:
        if not settings.address_allowed(ip):
            raise _Refused(host, ip)
    return addrs


class _GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, connecting only to addresses :func:`check_host` allows (checked here, at the
    moment of connecting, so that the address checked is the address connected to)."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            addrs = check_host(host, port, self.settings)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"DNS: {exc}") from exc
        last: Optional[Exception] = None
        for ip in addrs:
            try:
                return super().connect_tcp(ip, port, timeout=timeout, local_address=local_address,
                                           socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        raise last if last else httpcore.ConnectError("no address")


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, settings: Settings):
        super().__init__(trust_env=False, retries=0)
        ssl_context = httpx.create_ssl_context(trust_env=False)
        self._pool = httpcore.ConnectionPool(ssl_context=ssl_context, max_connections=8,
                                             max_keepalive_connections=4, keepalive_expiry=5.0,
                                             network_backend=_GuardedBackend(settings))


@dataclass
class Response:
    """A fetched resource: ``data`` (at most the size cap), the final URL after redirects, the redirect chain."""

    url: str
    final_url: str
    status: int
    headers: dict
    data: bytes
    fetched_at: str  # ISO, Beijing time
    redirects: list = field(default_factory=list)

    @property
    def content_type(self) -> str:
        return (self.headers.get("content-type") or "").split(";")[0].strip().lower()

    @property
    def last_modified(self) -> Optional[str]:
        """``Last-Modified`` as a Beijing date (YYYY-MM-DD), or None."""
        raw = self.headers.get("last-modified")
        if not raw:
            return None
        try:
            return parsedate_to_datetime(raw).astimezone(BEIJING).date().isoformat()
        except (TypeError, ValueError, IndexError):
            return None


class _Host:
    def __init__(self, per_host: int):
        self.slots = threading.Semaphore(per_host)
        self.lock = threading.Lock()
        self.next_start = 0.0


def now_beijing() -> str:
    return datetime.now(BEIJING).isoformat(timespec="seconds")


class Client:
    """One client for a whole fetch: connection reuse, per-host manners and the robots.txt cache are shared by
    the threads that use it. Use as a context manager or call :meth:`close`."""

    def __init__(self, settings: Optional[Settings] = None, sleep: Callable[[float], None] = time.sleep):
        self.settings = settings or Settings()
        self._sleep = sleep
        s = self.settings
        self._http = httpx.Client(transport=_GuardedTransport(s), follow_redirects=False, trust_env=False,
                                  timeout=httpx.Timeout(s.timeout), headers={"User-Agent": s.user_agent,
                                                                             "Accept-Language": "zh-CN,zh;q=0.9"})
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, object] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- manners ---------------------------------------------------------------

    def _host(self, key: str) -> _Host:
        with self._lock:
            h = self._hosts.get(key)
            if h is None:
                h = self._hosts[key] = _Host(self.settings.per_host)
            return h

    def _polite(self, key: str):
        """Wait for a slot and for the pause since the last request to this host; returns the host to release."""
        h = self._host(key)
        h.slots.acquire()
        with h.lock:
            wait = h.next_start - time.monotonic()
            h.next_start = max(h.next_start, time.monotonic()) + self.settings.pause
        if wait > 0:
            self._sleep(wait)
        return h

    def allowed_by_robots(self, url: str) -> None:
        """Raise :class:`FetchError` when the site's robots.txt keeps this client away from ``url``."""
        if not self.settings.robots:
            return
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            gate = self._robots_locks.setdefault(origin, threading.Lock())
        with gate:  # one read of robots.txt per site, whichever thread asks first
            rules = self._robots.get(origin)
            if rules is None:
                rules = self._robots[origin] = self._read_robots(origin)
        if isinstance(rules, FetchError):
            raise FetchError(MSG_ROBOTS_DOWN.format(reason=rules.message, url=url), ROBOTS, url)
        if not rules.can_fetch(self.settings.user_agent, url):
            raise FetchError(MSG_ROBOTS.format(url=url), ROBOTS, url)

    def _read_robots(self, origin: str):
        """The robots.txt rules of one origin, or the FetchError that kept it from being read."""
        parser = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
        url = origin + "/robots.txt"
        try:
            for _ in range(self.settings.max_redirects + 1):
                resp = self._get_once(url, cap=512 << 10, check_robots=False)
                if resp.status in (301, 302, 303, 307, 308) and resp.headers.get("location"):
                    url = urljoin(url, resp.headers["location"].strip())
                    continue
                break
            else:
                parser.allow_all = True  # RFC 9309: more redirects than that, no rules
                return parser
        except FetchError as exc:
            if exc.kind == REFUSED:
                raise
            return exc
        if 300 <= resp.status < 500:
            parser.allow_all = True
        elif resp.status >= 500:
            return _status_error(resp.status, url)
        else:
            parser.parse(resp.data.decode("utf-8", "replace").splitlines())
        return parser

    # -- requests --------------------------------------------------------------

    def get(self, url: str, on_bytes: Optional[Callable[[int, Optional[int]], None]] = None) -> Response:
        """GET ``url`` with every limit, redirects followed by hand (each hop checked), retries and manners."""
        s = self.settings
        redirects: list[str] = []
        current = url
        while True:
            resp = self._get_retrying(current, on_bytes)
            if resp.status in (301, 302, 303, 307, 308) and resp.headers.get("location"):
                if len(redirects) >= s.max_redirects:
                    raise FetchError(MSG_REDIRECTS.format(n=s.max_redirects, url=url), REDIRECTS, url)
                redirects.append(current)
                current = urljoin(current, resp.headers["location"].strip())
                continue
            if resp.status >= 400:
                raise _status_error(resp.status, current)
            resp.url, resp.redirects = url, redirects
            return resp

    def _get_retrying(self, url: str, on_bytes) -> Response:
        s = self.settings
        delay = s.backoff
        for attempt in range(s.retries + 1):
            try:
                resp = self._get_once(url, on_bytes=on_bytes)
            except FetchError as exc:
                if exc.kind not in (TIMEOUT, UNREACHABLE) or attempt == s.retries:
                    raise
                self._sleep(delay)
                delay *= 2
                continue
            if resp.status in RETRY_STATUS and attempt < s.retries:
                wait = _retry_after(resp.headers.get("retry-after"))
                self._sleep(min(max(wait if wait is not None else delay, 0), s.max_retry_after))
                delay *= 2
                continue
            return resp
        raise AssertionError("unreachable")  # pragma: no cover

    def _get_once(self, url: str, cap: Optional[int] = None, check_robots: bool = True,
                  on_bytes: Optional[Callable[[int, Optional[int]], None]] = None) -> Response:
        s = self.settings
        cap = s.max_bytes if cap is None else cap
        parts = _checked_url(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            check_host(host, port, s)
        except _Refused as exc:
            raise FetchError(MSG_PRIVATE.format(host=exc.host, ip=exc.ip), REFUSED, url) from None
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError(MSG_UNREACHABLE.format(host=host, reason="域名无法解析", url=url), UNREACHABLE,
                             url) from exc
        if check_robots:
            self.allowed_by_robots(url)
        gate = self._polite(f"{host}:{port}")
        started = time.monotonic()
        try:
            with self._http.stream("GET", url) as r:
                status = r.status_code
                headers = {k.lower(): v for k, v in r.headers.items()}
                if status in (301, 302, 303, 307, 308) or status >= 400:
                    return Response(url, url, status, headers, b"", now_beijing())
                declared = _int(headers.get("content-length"))
                if declared is not None and declared > cap:
                    raise FetchError(MSG_TOO_LARGE.format(mb=cap >> 20 or 1, url=url), TOO_LARGE, url)
                chunks, size = [], 0
                for chunk in r.iter_bytes():
                    size += len(chunk)
                    if size > cap:
                        raise FetchError(MSG_TOO_LARGE.format(mb=cap >> 20 or 1, url=url), TOO_LARGE, url)
                    if time.monotonic() - started > s.deadline:
                        raise FetchError(MSG_TIMEOUT.format(seconds=s.deadline, url=url), TIMEOUT, url)
                    chunks.append(chunk)
                    if on_bytes:
                        on_bytes(size, declared)
                return Response(url, str(r.url), status, headers, b"".join(chunks), now_beijing())
        except _Refused as exc:
            raise FetchError(MSG_PRIVATE.format(host=exc.host, ip=exc.ip), REFUSED, url) from None
        except httpx.TimeoutException:
            raise FetchError(MSG_TIMEOUT.format(seconds=s.timeout, url=url), TIMEOUT, url) from None
        except (httpx.TransportError, httpx.DecodingError) as exc:
            raise FetchError(MSG_UNREACHABLE.format(host=host, reason=_reason(exc), url=url), UNREACHABLE,
                             url) from None
        finally:
            gate.slots.release()


def _checked_url(url: str):
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise FetchError(MSG_BAD_URL.format(url=url), REFUSED, url) from None
    if parts.scheme not in ("http", "https"):
        raise FetchError(MSG_SCHEME.format(url=url), REFUSED, url)
    if not parts.hostname:
        raise FetchError(MSG_BAD_URL.format(url=url), REFUSED, url)
    if parts.username or parts.password:
        raise FetchError(MSG_BAD_URL.format(url=url), REFUSED, url)
    return parts


def check_url(url: str) -> None:
    """Raise :class:`FetchError` for a URL that is not http(s) or is malformed (no request is made)."""
    _checked_url(url)


def _status_error(status: int, url: str) -> FetchError:
    return FetchError(MSG_STATUS.format(status=status, meaning=STATUS_ZH.get(status, ""), url=url), HTTP_STATUS, url,
                      status)


def _retry_after(raw: Optional[str]) -> Optional[float]:
    if not raw:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    try:
        return (parsedate_to_datetime(raw) - datetime.now(timezone.utc)).total_seconds()
    except (TypeError, ValueError, IndexError):
        return None


def _int(x) -> Optional[int]:
    try:
        return int(x) if x is not None else None
    except ValueError:
        return None


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "DNS" in text or "Name or service not known" in text or "nodename" in text:
        return "域名无法解析"
    if "refused" in text.lower():
        return "连接被拒绝"
    if "reset" in text.lower():
        return "连接被重置"
    if "SSL" in text or "certificate" in text.lower():
        return "HTTPS 证书无效"
    return "网络错误"
