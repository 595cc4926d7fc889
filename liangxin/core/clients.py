"""The client address of a request: the one function every audit record, lockout count and
login record takes it from.

Without a reverse proxy it is ``REMOTE_ADDR``, the peer of the application server. Behind one
(nginx, ``deploy/nginx-liangxin.conf``) the peer is the proxy, and the visitor's address arrives
in ``X-Forwarded-For``, which anyone can also send: so the header is believed only when the peer
is one of the proxies named in ``TRUSTED_PROXIES`` (``LIANGXIN_TRUSTED_PROXIES``: addresses or
networks, comma-separated; empty by default, trusting nobody). The header is read from its right
end — each proxy appends the address it was reached from — past every trusted proxy; the first
address that is not one is the client. What a visitor writes into the header lies to the left of
the address the first proxy appended, so it is never reached.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def canonical_address(value: object) -> str | None:
    """The address in its canonical text form, or None when it is not an IP address (a unix
    socket, an empty REMOTE_ADDR): the same text whether it was just written or read back from
    PostgreSQL's ``inet``, so the audit record's hash does not depend on the database."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        return None


@functools.lru_cache(maxsize=8)
def parse_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """``("127.0.0.1", "10.0.0.0/24")`` → networks; a wrong entry raises ``ValueError``
    (the settings check it when they load, so a typing error stops the start)."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def split_setting(value: str | Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    return tuple(entry.strip() for entry in value if entry.strip())


def trusted_proxies() -> tuple[Network, ...]:
    return parse_networks(split_setting(getattr(settings, "TRUSTED_PROXIES", ())))


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> str | None:
    """The visitor's address (canonical text), or None when there is none (an empty or
    non-IP ``REMOTE_ADDR``)."""
    peer = canonical_address(request.META.get("REMOTE_ADDR"))
    networks = trusted_proxies()
    if peer is None or not networks or not _trusted(peer, networks):
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    found = peer
    for entry in reversed(forwarded.split(",")):
        address = canonical_address(entry)
        if address is None:
            # Not written by a proxy that appends addresses: nothing left of it can be believed.
            break
        found = address
        if not _trusted(address, networks):
            break
    return found
