"""Fixtures of the page tests: a signed-in browser client per role, projects and photo rows made cheaply."""

from __future__ import annotations

import pytest
from django.test import Client

from photos.models import Photo, PhotoStatus
from tests.factories import ProjectFactory, TaskFactory


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner_page(owner):
    return _signed_in(owner)


@pytest.fixture
def admin_page(admin_user):
    return _signed_in(admin_user)


@pytest.fixture
def coordinator_page(coordinator):
    return _signed_in(coordinator)


@pytest.fixture
def field_page(field_user):
    return _signed_in(field_user)


@pytest.fixture
def stranger_page(other_account):
    from tests.factories import UserFactory

    return _signed_in(UserFactory(account=other_account, role="owner"))


def photo_rows(project, task, count: int, status=PhotoStatus.PENDING_QA) -> list[Photo]:
    """Photo rows without image work: every file field points at the same (absent) name."""
    from tests.factories import photo_row

    return Photo.objects.bulk_create([photo_row(task, i, status=status) for i in range(count)])


@pytest.fixture
def project(account, field_user):
    return ProjectFactory(account=account, assignee=field_user, qa_in_field=False)


@pytest.fixture
def task(project):
    return TaskFactory(project=project, name="Lawn")


@pytest.fixture
def foreign_project(other_account):
    return ProjectFactory(account=other_account)
