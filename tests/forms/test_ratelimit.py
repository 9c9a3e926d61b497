"""The rate limiter's memory of clients, under many of them at once."""

from forms.ratelimit import RateLimiter


def test_many_live_clients_are_not_looked_through_on_every_request():
    # 40,000 networks within a minute (an attack from a /48): every request past 10,000 looked
    # through all the clients again, each still live, to forget none.
    now = [0.0]
    limiter = RateLimiter(per_minute=5, burst=2, clock=lambda: now[0])
    for number in range(40_000):
        assert limiter.wait(f"2001:db8:{number >> 16:x}:{number & 0xFFFF:x}::1") == 0
    assert limiter.prunes <= 3 and len(limiter.buckets) == 40_000
    assert limiter.wait("2001:db8:0:0::9") == 0 and limiter.wait("2001:db8:0:0::9") > 0  # still counted


def test_clients_whose_buckets_have_refilled_are_forgotten():
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=2, clock=lambda: now[0])
    first = [f"198.51.{n >> 8}.{n & 0xFF}" for n in range(10_001)]
    for address in first:
        limiter.wait(address)
    now[0] = 60.0  # every one of them refilled
    later = [f"203.0.{n >> 8}.{n & 0xFF}" for n in range(10_002)]
    for address in later:
        limiter.wait(address)
    assert limiter.prunes == 2 and sorted(limiter.buckets) == sorted(later)
