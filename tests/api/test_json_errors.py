"""Errors no view answered are JSON ``{"detail", "code"}`` under /api/ (DESIGN.md §7) and Django's HTML
pages elsewhere: an unknown path or id that no route matches, an unhandled exception, a PermissionDenied or
a bad request outside DRF."""

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

ERROR_URLS = "tests.api.error_urls"


def _json(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "code"} and body["code"] == code and body["detail"]
    return body


@pytest.mark.parametrize(
    "url", ["/api/v1/nope/", "/api/v1/projects/abc/", "/api/v1/projects/1/nope", "/api/nope", "/api/"]
)
def test_an_unknown_api_path_is_a_json_404(owner_client, url):
    _json(owner_client.get(url), 404, "not_found")


def test_an_unknown_api_path_is_json_without_credentials_too(api_client):
    _json(api_client.post("/api/v1/nope/", {}, format="json"), 404, "not_found")


def test_an_unknown_page_stays_html(client):
    response = client.get("/nope/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    # A path that only starts like the API is not under it.
    assert client.get("/apiary/")["Content-Type"].startswith("text/html")


@override_settings(ROOT_URLCONF=ERROR_URLS)
def test_an_unhandled_error_in_the_api_is_a_json_500_that_names_nothing():
    client = Client(raise_request_exception=False)
    body = _json(client.get("/api/v1/_test/broken"), 500, "server_error")
    assert "hunter2" not in body["detail"] and "Broken" not in body["detail"]


@override_settings(ROOT_URLCONF=ERROR_URLS)
def test_an_unhandled_error_on_a_page_stays_html():
    response = Client(raise_request_exception=False).get("/_test/broken")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert b"hunter2" not in response.content


@override_settings(ROOT_URLCONF=ERROR_URLS)
def test_403_and_400_outside_drf_are_json_under_the_api_only():
    client = Client(raise_request_exception=False)
    _json(client.get("/api/v1/_test/forbidden"), 403, "permission_denied")
    _json(client.get("/api/v1/_test/suspicious"), 400, "bad_request")
    page = client.get("/_test/forbidden")
    assert page.status_code == 403 and page["Content-Type"].startswith("text/html")


@override_settings(ROOT_URLCONF=ERROR_URLS)
def test_the_test_urlconf_keeps_the_real_routes():
    # The real API still answers through the test URLconf, so the handlers above are the real ones.
    assert Client().get("/api/v1/users/me").status_code in (401, 403)
