"""Fixtures of the Share tests: the primary vendor is ``account`` (with its FAStrack integration at the
sandbox), the subcontractor is ``other_account``; a share key links them."""

from __future__ import annotations

import io
import uuid

import pytest
from django.utils import timezone

from accounts.actors import Actor
from integrations.services import integration_create
from integrations.share import services
from photos.models import PhotoSource
from photos.services import photo_ingest
from tests.factories import UserFactory
from tests.integrations.helpers import make_order, refresh_now
from tests.photos.imagefiles import make_jpeg
from tests.surveys.conftest import QUESTIONS

SERVICES = [
    {"serviceId": "S1", "serviceName": "Grass Cut", "photoRequired": True, "formId": None},
    {"serviceId": "S2", "serviceName": "Lock Change", "photoRequired": True, "formId": None},
]


@pytest.fixture
def sub_admin(other_account):
    return UserFactory(account=other_account, role="admin")


@pytest.fixture
def sub_coordinator(other_account):
    return UserFactory(account=other_account, role="coordinator")


@pytest.fixture
def sub_field(other_account):
    return UserFactory(account=other_account, role="field")


@pytest.fixture
def form_id(sandbox):
    form = "F-" + uuid.uuid4().hex[:8]
    sandbox.add_form(form, 1, "Property Condition", QUESTIONS)
    return form


@pytest.fixture
def share(owner):
    """A live share key of the primary: (link, key)."""
    return services.share_create(actor=Actor.for_user(owner), name="Acme Subs")


def import_orders(fastrack, sandbox, vendor, *numbers, form=None, check_in=False):
    """Orders at the sandbox, imported by the primary (QA in Office). Returns the primary's projects."""
    fastrack.qa_in_field = False
    fastrack.save(update_fields=["qa_in_field"])
    forms = [{"formId": form, "name": "Property Condition", "version": 1}] if form else []
    orders = [make_order(n, services=SERVICES, forms=forms, checkInRequired=check_in) for n in numbers]
    sandbox.add_orders(vendor[0], orders)
    assert refresh_now(fastrack).status == "succeeded"
    return [fastrack.projects.get(source_ref=str(n)) for n in numbers]


@pytest.fixture
def primary_project(fastrack, sandbox, vendor, form_id):
    [project] = import_orders(fastrack, sandbox, vendor, "7001", form=form_id, check_in=True)
    return project


def hand_over(project, link, user):
    return services.project_hand_over(project=project, link=link, actor=Actor.for_user(user))


@pytest.fixture
def share_integration(other_account, share, sub_field):
    """The subcontractor's integration of kind share (QA in Office, its field user assigned by default)."""
    return integration_create(
        actor=Actor.system(other_account, "test"),
        kind="share",
        name="Share from the primary",
        credentials={"share_key": share[1]},
        qa_in_field=False,
        default_assignee=sub_field,
    )


def add_field_photo(project, user, task_name="Grass Cut", *, seed=0, evidence_type="before"):
    """A photo the field app took at the property, just now."""
    handle = io.BytesIO(make_jpeg(320, 240, seed=seed))
    handle.name = f"IMG_{seed}.jpg"
    photo, _ = photo_ingest(
        actor=Actor.for_user(user),
        project=project,
        task=project.tasks.get(name=task_name),
        evidence_type=evidence_type,
        file=handle,
        source=PhotoSource.FIELD,
        taken_at=timezone.now(),
        latitude=project.latitude,
        longitude=project.longitude,
    )
    return photo
