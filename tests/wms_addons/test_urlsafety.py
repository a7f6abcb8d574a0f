"""Add-on URLs may not point at loopback or private addresses in production (ALLOW_PRIVATE_URLS=False),
checked when saved and again right before each send."""

import pytest
from django.core.exceptions import ValidationError

from accounts.actors import Actor
from config.netsafety import UnsafeUrl, check_url
from projects.services import project_create
from wms_addons import delivery
from wms_addons.models import WmsDelivery
from wms_addons.services import addon_create

PRIVATE = [
    "http://127.0.0.1:8000/hook",
    "http://localhost/hook",
    "http://10.1.2.3/hook",
    "http://192.168.0.10/hook",
    "http://172.16.5.5/hook",
    "http://100.64.0.1/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://0.0.0.0/",
    "http://[::1]/hook",
    "http://[::ffff:10.0.0.1]/hook",
    "http://[fe80::1]/hook",
    "http://[fd00::1]/hook",
    "http://224.0.0.1/hook",
]


@pytest.fixture
def production(settings):
    settings.ALLOW_PRIVATE_URLS = False


@pytest.mark.parametrize("url", PRIVATE)
def test_private_addresses_are_refused_in_production(production, url):
    with pytest.raises(UnsafeUrl):
        check_url(url)


def test_public_addresses_pass_in_production(production):
    check_url("https://93.184.215.14/hook")
    check_url("http://[2606:4700:4700::1111]/hook")


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "javascript:alert(1)", "http:///nohost", "http://x:99999/"]
)
def test_only_http_urls_with_a_host(url):
    with pytest.raises(UnsafeUrl):
        check_url(url)


def test_private_addresses_are_allowed_outside_production():
    check_url("http://127.0.0.1:8000/hook")


@pytest.mark.django_db
def test_saving_a_private_url_is_refused_in_production(production, owner, owner_client):
    with pytest.raises(ValidationError) as caught:
        addon_create(actor=Actor.for_user(owner), name="WMS", url="http://127.0.0.1:9/hook")
    assert "url" in caught.value.message_dict
    response = owner_client.post(
        "/api/v1/wms/addons/", {"name": "WMS", "url": "http://10.0.0.8/"}, format="json"
    )
    assert response.status_code == 400 and "url" in response.json()["errors"]


@pytest.mark.django_db
def test_the_url_is_checked_again_before_each_send(make_addon, coordinator, receiver, settings):
    make_addon()  # saved while allowed, as if the name resolved elsewhere then
    project_create(actor=Actor.for_user(coordinator), name="A")
    settings.ALLOW_PRIVATE_URLS = False
    settings.WMS_RETRY_BASE_SECONDS = 60

    delivery.deliver_due()

    assert receiver.requests == []
    row = WmsDelivery.objects.get()
    assert row.status == "pending" and row.attempts == 1 and "loopback or private" in row.last_error
