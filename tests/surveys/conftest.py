"""Fixtures of the survey and check-in tests: a client form at the sandbox, an order naming it."""

from __future__ import annotations

import io
import uuid

import pytest
from rest_framework.test import APIClient

from accounts.actors import Actor
from accounts.services import user_token_issue
from photos.models import PhotoSource
from photos.services import photo_ingest
from tests.integrations.helpers import make_order, refresh_now
from tests.photos.imagefiles import make_jpeg

QUESTIONS = [
    {"id": "occupied", "answerType": "yesNo", "label": "Occupied?", "required": True},
    {
        "type": "section",
        "title": "Outside",
        "questions": [
            {"id": "roof", "answerType": "text", "label": "Roof condition", "required": False},
            {"id": "count", "answerType": "number", "label": "Windows broken", "required": False},
            {"id": "visit", "answerType": "date", "label": "Next visit", "required": False},
            {
                "id": "grade",
                "answerType": "choice",
                "label": "Grade",
                "required": False,
                "choices": ["A", "B"],
            },
            {"id": "front", "answerType": "photo", "label": "Front", "required": False},
            {"id": "back", "answerType": "photo", "label": "Back", "required": False},
        ],
    },
]


@pytest.fixture
def form_id(sandbox):
    form = "F-" + uuid.uuid4().hex[:8]
    sandbox.add_form(form, 1, "Property Condition", QUESTIONS)
    return form


def order_with(
    number: str, form: str | None = None, *, version: int = 1, check_in: bool = False, **kw
) -> dict:
    forms = [{"formId": form, "name": "Property Condition", "version": version}] if form else []
    return make_order(number, forms=forms, checkInRequired=check_in, **kw)


@pytest.fixture
def project(fastrack, sandbox, vendor, form_id, field_user):
    """An imported project naming the form, check-in required, assigned to the field user, QA in Office."""
    fastrack.qa_in_field = False
    fastrack.default_assignee = field_user
    fastrack.save()
    sandbox.add_orders(vendor[0], [order_with("5001", form_id, check_in=True)])
    assert refresh_now(fastrack).status == "succeeded"
    return fastrack.projects.get(source_ref="5001")


@pytest.fixture
def field_token_client(field_user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {user_token_issue(user=field_user).key}")
    return client


def add_photo(project, user, *, source=PhotoSource.OFFICE):
    handle = io.BytesIO(make_jpeg())
    handle.name = "IMG.jpg"
    photo, _ = photo_ingest(
        actor=Actor.for_user(user),
        project=project,
        task=project.tasks.get(),
        evidence_type="before",
        file=handle,
        serial=uuid.uuid4(),
        source=source,
    )
    return photo
