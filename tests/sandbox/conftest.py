"""One FAStrack sandbox per test session (port 0, tmp dir); each test isolates by its own vendor name."""

from __future__ import annotations

import uuid

import pytest
import requests

from integrations.fastrack.sandbox.testing import Sandbox

PASSWORD = "s3cret-pass"
ABC_NUMBERS = ["ABC123456", "XYZ987654"]


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    running = Sandbox.start(
        tmp_path_factory.mktemp("fastrack-sandbox"), frame_ancestors="http://vendordesk.test"
    )
    yield running
    running.stop()


@pytest.fixture
def vendor(sandbox) -> str:
    """A fresh vendor login (password PASSWORD, ABC numbers ABC_NUMBERS) unique to the test."""
    username = f"vendor-{uuid.uuid4().hex[:12]}"
    sandbox.add_vendor(username, PASSWORD, ABC_NUMBERS)
    return username


class Api:
    """The vendor API as our client calls it: ``api.get("/workorders")`` etc., Basic auth included."""

    def __init__(self, base: str, username: str, password: str):
        self.base = base + "/api/v1"
        self.http = requests.Session()
        self.http.auth = (username, password)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base + path, timeout=kwargs.pop("timeout", 30), **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.http.post(self.base + path, timeout=kwargs.pop("timeout", 30), **kwargs)

    def photo(
        self,
        number: str,
        serial: str | None,
        content: bytes | None = b"\xff\xd8jpeg-bytes",
        timeout: float = 30,
        **fields,
    ) -> requests.Response:
        """POST a photo as multipart; a field given as None (or content=None) is left out."""
        data = {
            "serial": serial,
            "serviceId": f"{number}-1",
            "evidenceType": "before",
            "flag": "Grass Cut - Before",
            "takenAt": "2025-01-01T10:00:00Z",
            "latitude": "30.27",
            "longitude": "-97.74",
            **fields,
        }
        # (None, value) parts force multipart even without a file, as a broken client might send.
        parts = [(k, (None, str(v))) for k, v in data.items() if v is not None]
        if content is not None:
            parts.append(("file", ("photo.jpg", content, "image/jpeg")))
        return self.post(f"/workorders/{number}/photos", files=parts, timeout=timeout)


@pytest.fixture
def api(sandbox, vendor) -> Api:
    session = Api(sandbox.url, vendor, PASSWORD)
    yield session
    session.http.close()
