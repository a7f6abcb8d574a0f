import pytest

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/projects/",
    "/qa/",
    "/relays/",
    "/integrations/",
    "/integrations/new",
    "/integrations/new?kind=share",
    "/shares/",
    "/team/",
]


@pytest.mark.parametrize("url", PAGES)
def test_owner_opens_every_page(owner_page, url):
    assert owner_page.get(url).status_code == 200
