"""Fixtures of the photo tests: a property with coordinates, photo tasks, and the field app's token client."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.services import user_token_issue
from tests.factories import ProjectFactory, TaskFactory

from .imagefiles import make_jpeg

# 1 Main St, Austin; a point 50 m north of it and one about 2 km away.
HOME = (Decimal("30.267200"), Decimal("-97.743100"))
NEAR = (30.26765, -97.7431)
FAR = (30.2852, -97.7431)


@pytest.fixture
def project(account, field_user):
    return ProjectFactory(
        account=account, assignee=field_user, latitude=HOME[0], longitude=HOME[1], qa_in_field=False
    )


@pytest.fixture
def task(project):
    return TaskFactory(project=project, name="Lawn")


@pytest.fixture
def field_token_client(field_user):
    """The field app: a real ``Token`` header, so the upload is a field upload."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {user_token_issue(user=field_user).key}")
    return client


@pytest.fixture
def media_files(settings):
    """Every file under MEDIA_ROOT (directories left by a cleanup do not count)."""

    def files():
        root = settings.MEDIA_ROOT
        return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []

    return files


def upload_file(data: bytes | None = None, name: str = "IMG_0001.jpg", **kwargs) -> io.BytesIO:
    handle = io.BytesIO(make_jpeg(**kwargs) if data is None else data)
    handle.name = name
    return handle
