"""Per-client rate limiting: a token bucket for each address (an IPv6 /64), kept in this process only.

On a cloud function each instance keeps its own buckets; the platform's own throttling is
the outer limit there. This one stops a single client from filling the inbox.
"""

from __future__ import annotations

import ipaddress
import threading
import time


class RateLimiter:
    def __init__(self, per_minute: int, burst: int, clock=time.monotonic):
        self.rate, self.burst, self.clock = per_minute / 60.0, float(burst), clock
        self.buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)
        self.lock = threading.Lock()
        self.most, self.prunes = 10_000, 0  # buckets kept before refilled ones are forgotten

    def wait(self, client: str) -> float:
        """0 if the client may go ahead now (and takes a token), else the seconds to wait."""
        if self.rate <= 0:
            return 0.0
        client = _bucket(client)
        with self.lock:
            now = self.clock()
            tokens, then = self.buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            if tokens < 1:
                self.buckets[client] = (tokens, now)
                return (1 - tokens) / self.rate
            self.buckets[client] = (tokens - 1, now)
            if len(self.buckets) > self.most:  # forget clients whose buckets have refilled
                self.buckets = {
                    k: v for k, v in self.buckets.items() if v[0] + (now - v[1]) * self.rate < self.burst
                }
                # Many clients still live (an attack from many /64s) would make every request
                # look through all of them again: the next look waits until they are twice as many.
                self.most, self.prunes = max(10_000, 2 * len(self.buckets)), self.prunes + 1
            return 0.0


def _bucket(address: str) -> str:
    """The bucket of a client's address: an IPv4 address, or an IPv6 address's /64, since a phone
    or a home network is given a whole /64 and may send from any address in it (and change it
    for every request). An IPv4 address written as IPv6 (::ffff:…) is that IPv4 address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)
