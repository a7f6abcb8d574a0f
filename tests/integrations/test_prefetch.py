"""refresh.Prefetched: pages fetched ahead in a thread, errors handed over in order, and a consumer that
leaves early does not leave the thread waiting forever."""

import pytest

from integrations.refresh import Prefetched


def test_pages_come_in_order_and_an_error_after_them():
    def pages():
        yield from ("a", "b")
        raise ValueError("the client failed on page 3")

    got = []
    with pytest.raises(ValueError, match="page 3"), Prefetched(pages()) as prefetched:
        got.extend(prefetched)
    assert got == ["a", "b"]


def test_a_consumer_that_leaves_early_stops_the_thread():
    with Prefetched(iter(range(100)), depth=2) as prefetched:
        assert next(iter(prefetched)) == 0
    prefetched.thread.join(timeout=3)
    assert not prefetched.thread.is_alive()
