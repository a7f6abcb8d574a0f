"""The FAStrack client retries idempotent reads on 502/503/504, and never a write: a retried upload could
be stored twice, so writes are retried by the relay, by serial, with its backoff."""

import io

import pytest

from integrations.base import TransientError
from integrations.fastrack.client import FAStrackClient
from integrations.fastrack.sandbox.testing import make_order


@pytest.fixture
def client(sandbox, vendor):
    sandbox.add_orders(vendor[0], [make_order("77", services=[{"serviceId": "S1", "serviceName": "Lawn"}])])
    return FAStrackClient(sandbox.url, *vendor)


def test_a_read_is_retried_through_a_short_outage(client, sandbox, vendor):
    sandbox.set_faults(vendor[0], unavailable=2)
    assert client.get_workorder("77")["workOrderNumber"] == "77"
    sandbox.set_faults(vendor[0], unavailable=3)  # longer than the client waits
    with pytest.raises(TransientError, match="503"):
        client.ping()


def test_a_write_is_never_retried_by_the_client(client, sandbox, vendor):
    sandbox.set_faults(vendor[0], unavailable=1)
    with pytest.raises(TransientError, match="503"):
        client.post_photo(
            "77",
            fields={"serial": "0f1e2d3c-0000-4000-8000-000000000001", "serviceId": "S1"},
            file_name="a.jpg",
            file_obj=io.BytesIO(b"not sent twice"),
            content_type="image/jpeg",
        )
    # A retry would have found FAStrack back and been stored: nothing was.
    assert sandbox.received("photos", vendor[0]) == []
    assert sandbox.faults(vendor[0])["unavailable"] == 0
