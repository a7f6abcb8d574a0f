from tests.throttles import own_throttle_counts  # noqa: F401 - autouse: fresh rate-limit counts per test
