"""Sending one signed message to a webhook's address, safely.

The address is checked when the message leaves, not only when it was registered: its name is
resolved, every address it resolves to must be public (not private, loopback, link-local,
shared, reserved or multicast) unless it lies in a network the configuration allows
(``webhook_allowed_networks``), and the connection goes to the address that was checked, so a
name that resolves elsewhere a moment later (DNS rebinding) cannot slip through. TLS still
checks the certificate against the name. No proxy from the environment, no redirects, short
timeouts, and only the start of the answer is read.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

EXCERPT = 300  # characters of the receiver's answer kept for whoever looks into a failure
MAX_ADDRESSES = 3


class Refused(Exception):
    """The address may not be reached; ``code`` says why (scheme, address, resolve)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int
    error: str | None  # "<code>: <detail>", or None when the receiver took the message
    excerpt: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


def networks(settings: dict) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in settings["webhook_allowed_networks"]]


def address_allowed(address: str, allowed: list) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
    if any(ip in network for network in allowed if network.version == ip.version):
        return True
    return ip.is_global and not ip.is_multicast


def literal_address(host: str) -> str | None:
    """The host as an IP address when it is written as one, else None."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def resolve(host: str, port: int, settings: dict) -> list[str]:
    """The addresses ``host`` stands for, all of them checked; Refused when one is not
    allowed (a name that resolves partly inside is refused whole)."""
    allowed = networks(settings)
    literal = literal_address(host)
    if literal is not None:
        found = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise Refused("resolve", f"{host}: {error}") from None
        found = list(dict.fromkeys(info[4][0] for info in infos))
    if not found:
        raise Refused("resolve", host)
    for address in found:
        if not address_allowed(address, allowed):
            raise Refused("address", f"{host} -> {address}")
    return found


def post(url: str, body: bytes, headers: dict[str, str], settings: dict) -> Outcome:
    """POST ``body`` to ``url``; any answer 2xx is success. Never raises for the network."""
    started = time.monotonic()

    def done(status=None, error=None, excerpt=None) -> Outcome:
        elapsed = int((time.monotonic() - started) * 1000)
        return Outcome(status, elapsed, error[:300] if error else None, excerpt)

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or (scheme == "http" and not settings["webhook_allow_http"]):
        return done(error=f"scheme: {scheme}")
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        return done(error="scheme: port")
    timeout = settings["webhook_timeout_seconds"]
    try:
        addresses = resolve(host, port, settings)
    except Refused as refused:
        return done(error=str(refused))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    sock = None
    last_error = "connect: no address"
    # At most three addresses are tried, so that an attempt ends within the time its claim
    # holds (core.webhooks.delivery._claim).
    for address in addresses[:MAX_ADDRESSES]:
        try:
            sock = socket.create_connection((address, port), timeout=timeout)
            break
        except TimeoutError:
            last_error = f"timeout: connecting to {address}"
        except OSError as error:
            last_error = f"connect: {address}: {error}"
    if sock is None:
        return done(error=last_error)
    try:
        if scheme == "https":
            context = ssl.create_default_context()
            sock = context.wrap_socket(sock, server_hostname=host)
        # The connection is made above, to the checked address; http.client only speaks HTTP
        # over it (with the Host header of the name).
        connection_class = (
            http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_class(host, port, timeout=timeout)
        connection.sock = sock
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            excerpt = response.read(EXCERPT * 4).decode("utf-8", "replace")[:EXCERPT]
        finally:
            connection.close()
    except ssl.SSLError as error:
        return done(error=f"tls: {error}")
    except TimeoutError:
        return done(error="timeout: no answer in time")
    except (OSError, http.client.HTTPException) as error:
        return done(error=f"connect: {type(error).__name__}: {error}")
    finally:
        sock.close()
    status = response.status
    if 200 <= status < 300:
        return done(status=status, excerpt=excerpt or None)
    return done(status=status, error=f"status: {status}", excerpt=excerpt or None)
