"""Two requests doing the same thing at the same moment (a double-click, two coordinators, a field app
retrying): one wins, the other is a clear refusal or a no-op; never a duplicate, a 500 or a half-applied
state.

Each race runs its two calls in threads released together by a barrier, each on its own database
connection, against committed rows on PostgreSQL (SQLite serialises writers, so it proves nothing there).
"""

from __future__ import annotations

import io
import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from rest_framework.test import APIClient

from accounts.actors import Actor
from accounts.services import user_token_issue
from integrations import relay
from integrations.models import RelayItem, RelayKind
from integrations.share import services as share_services
from integrations.share.models import HandOver
from photos.models import Photo, PhotoStatus
from photos.services import photo_approve, photo_ingest, photo_reject
from projects.models import CheckIn, EventType, Project, ProjectEvent, ProjectStatus
from tests.factories import ProjectFactory, TaskFactory, UserFactory
from tests.integrations.helpers import make_order, refresh_now
from tests.integrations.relaying import SERVICES, add_photos, imported_project
from tests.photos.imagefiles import make_jpeg

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres"),
]


def race(*calls):
    """Run each call in its own thread, all released at once; their results (an exception is a result)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - reported to the test, which fails on it
            results[index] = exc
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a racer hung (a lock never released?)"
    return results


def no_errors(results):
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, f"a racer raised: {errors!r}"
    return results


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def statuses(responses) -> list[int]:
    no_errors(responses)
    return sorted(r.status_code for r in responses)


def assert_sequences_unique(project):
    sequences = list(ProjectEvent.objects.filter(project=project).values_list("sequence", flat=True))
    assert sorted(sequences) == list(range(1, len(sequences) + 1)), sequences
    project.refresh_from_db()
    assert project.last_event_sequence == len(sequences)


@pytest.fixture
def coordinators(account):
    return [UserFactory(account=account, role="coordinator") for _ in range(2)]


@pytest.fixture
def manual_project(account, field_user):
    project = ProjectFactory(account=account, assignee=field_user, qa_in_field=False)
    TaskFactory(project=project, name="Lawn")
    return project


def jpeg_upload(seed=0) -> io.BytesIO:
    handle = io.BytesIO(make_jpeg(320, 240, seed=seed))
    handle.name = "IMG_0001.jpg"
    return handle


# Publish and Complete


def test_publishing_twice_at_once_relays_each_photo_once(fastrack, sandbox, vendor, coordinators):
    project = imported_project(fastrack, sandbox, vendor)
    photos = add_photos(project, coordinators[0], 3, approve_as=coordinators[0])
    actor = Actor.for_user(coordinators[0])

    published = no_errors(race(*[lambda: relay.publish_project(project=project, actor=actor)] * 2))

    assert sorted(published) == [0, 3]
    items = RelayItem.objects.filter(project=project, kind=RelayKind.PHOTO)
    assert sorted(items.values_list("photo_id", flat=True)) == sorted(p.pk for p in photos)
    assert ProjectEvent.objects.filter(project=project, type=EventType.PUBLISHED).count() == 1
    assert_sequences_unique(project)


def test_completing_twice_at_once_completes_and_publishes_once(fastrack, sandbox, vendor, field_user):
    project = imported_project(fastrack, sandbox, vendor, qa_in_field=True, assignee=field_user)
    photos = add_photos(project, field_user, 2, source="field")
    assert {p.status for p in photos} == {PhotoStatus.HELD}
    url = f"/api/v1/projects/{project.pk}/complete"
    clients = [client_for(field_user) for _ in range(2)]

    responses = race(*[lambda c=c: c.post(url) for c in clients])

    assert statuses(responses) == [200, 400]
    refused = next(r for r in responses if r.status_code == 400)
    assert "not open" in refused.json()["detail"]
    project.refresh_from_db()
    assert project.status == ProjectStatus.COMPLETE
    assert ProjectEvent.objects.filter(project=project, type=EventType.COMPLETED).count() == 1
    assert RelayItem.objects.filter(project=project, kind=RelayKind.PHOTO).count() == 2
    assert_sequences_unique(project)


# QA


@pytest.fixture
def pending_photo(manual_project, coordinators):
    photo, _ = photo_ingest(
        actor=Actor.for_user(coordinators[0]),
        project=manual_project,
        task=manual_project.tasks.get(),
        evidence_type="before",
        file=jpeg_upload(),
        source="office",
    )
    assert photo.status == PhotoStatus.PENDING_QA
    return photo


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_two_coordinators_making_the_same_decision_at_once(pending_photo, coordinators, action):
    clients = [client_for(user) for user in coordinators]
    url = f"/api/v1/photos/{pending_photo.pk}/{action}"
    body = {"reason": "Blurry"} if action == "reject" else {}

    responses = race(*[lambda c=c: c.post(url, body, format="json") for c in clients])

    assert statuses(responses) == [200, 200]  # the second finds it decided so: nothing to do
    pending_photo.refresh_from_db()
    assert pending_photo.status == {"approve": PhotoStatus.APPROVED, "reject": PhotoStatus.REJECTED}[action]
    assert {r.json()["status"] for r in responses} == {pending_photo.status}


def test_conflicting_decisions_at_once_keep_the_first_and_refuse_the_second(pending_photo, coordinators):
    # Both coordinators looked at the photo while it was pending; neither saw the other's decision.
    seen = [Photo.objects.get(pk=pending_photo.pk) for _ in range(2)]
    approver, rejecter = (Actor.for_user(user) for user in coordinators)

    results = race(
        lambda: photo_approve(photo=seen[0], actor=approver),
        lambda: photo_reject(photo=seen[1], actor=rejecter, reason="Blurry"),
    )

    [refusal] = [r for r in results if isinstance(r, BaseException)]
    assert isinstance(refusal, ValidationError) and refusal.code == "decided_meanwhile"
    assert "since you looked" in refusal.messages[0]
    [winner] = [r for r in results if not isinstance(r, BaseException)]
    pending_photo.refresh_from_db()
    assert pending_photo.status == winner.status and pending_photo.qa_by_label == winner.qa_by_label
    assert pending_photo.reject_reason == ("Blurry" if winner.status == PhotoStatus.REJECTED else "")


# Assigning and handing over


def test_assigning_to_two_users_at_once_records_both_in_order(manual_project, coordinators, account):
    crews = [UserFactory(account=account, role="field") for _ in range(2)]
    clients = [client_for(user) for user in coordinators]
    url = f"/api/v1/projects/{manual_project.pk}/assign"

    responses = race(
        *[lambda c=c, u=u: c.post(url, {"user": u.pk}, format="json") for c, u in zip(clients, crews)]
    )

    assert statuses(responses) == [200, 200]
    events = list(
        ProjectEvent.objects.filter(project=manual_project, type=EventType.ASSIGNED).order_by("sequence")
    )
    assert len(events) == 2 and events[0].sequence != events[1].sequence
    # Each event starts from what the one before it left: a history with no lost update.
    assert events[1].changes["assignee"][0] == events[0].changes["assignee"][1]
    manual_project.refresh_from_db()
    assert manual_project.assignee_id == events[1].changes["assignee"][1]
    assert_sequences_unique(manual_project)


def test_handing_over_twice_at_once_hands_over_once(manual_project, coordinators, owner):
    link, _ = share_services.share_create(actor=Actor.for_user(owner), name="Acme Subs")
    clients = [client_for(user) for user in coordinators]
    url = f"/api/v1/projects/{manual_project.pk}/hand-over"

    responses = race(*[lambda c=c: c.post(url, {"share": link.pk}, format="json") for c in clients])

    assert statuses(responses) == [200, 200]  # the second finds it handed already: nothing to do
    assert HandOver.objects.filter(project=manual_project).count() == 1
    assert ProjectEvent.objects.filter(project=manual_project, type=EventType.UPDATED).count() == 1
    assert_sequences_unique(manual_project)


# The field app


def test_the_same_upload_twice_at_once_makes_one_photo(manual_project, field_user):
    token = user_token_issue(user=field_user).key
    task = manual_project.tasks.get()
    serial = str(uuid.uuid4())
    url = f"/api/v1/projects/{manual_project.pk}/photos/"

    def upload():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        body = {"file": jpeg_upload(), "serial": serial, "task": task.pk, "evidence_type": "before"}
        return client.post(url, body, format="multipart")

    responses = race(upload, upload)

    assert statuses(responses) in ([200, 201], [201, 201])
    assert len({r.json()["id"] for r in responses}) == 1
    assert Photo.objects.filter(project=manual_project).count() == 1


def test_uploads_without_a_serial_at_once_make_two_photos(manual_project, coordinators):
    task = manual_project.tasks.get()
    clients = [client_for(user) for user in coordinators]
    url = f"/api/v1/projects/{manual_project.pk}/photos/"

    responses = race(
        *[
            lambda c=c: c.post(
                url, {"file": jpeg_upload(), "task": task.pk, "evidence_type": "before"}, format="multipart"
            )
            for c in clients
        ]
    )

    assert statuses(responses) == [201, 201]
    assert Photo.objects.filter(project=manual_project).count() == 2


def test_checking_in_twice_at_once_records_one_arrival(fastrack, sandbox, vendor, field_user):
    fastrack.qa_in_field = False
    fastrack.default_assignee = field_user
    fastrack.save()
    sandbox.add_orders(vendor[0], [make_order("5001", services=SERVICES, checkInRequired=True)])
    assert refresh_now(fastrack).status == "succeeded"
    project = fastrack.projects.get(source_ref="5001")
    clients = [client_for(field_user) for _ in range(2)]
    url = f"/api/v1/projects/{project.pk}/checkin"

    responses = race(*[lambda c=c: c.post(url, {"abc_number": "ABC123456"}, format="json") for c in clients])

    assert statuses(responses) == [201, 400]
    assert next(r for r in responses if r.status_code == 400).json()["code"] == "already_checked_in"
    assert CheckIn.objects.filter(project=project).count() == 1
    assert RelayItem.objects.filter(project=project, kind=RelayKind.CHECK_IN).count() == 1
    assert len(sandbox.received("checkins", vendor[0])) == 1  # the client heard of one arrival
    assert ProjectEvent.objects.filter(project=project, type=EventType.CHECKED_IN).count() == 1
    assert_sequences_unique(project)


# Manual projects


def test_creating_the_same_project_twice_at_once_makes_one(coordinators, account):
    clients = [client_for(user) for user in coordinators]
    body = {"name": "12 Oak St", "address1": "12 Oak St", "tasks": ["Lawn", "Locks"]}

    responses = race(*[lambda c=c: c.post("/api/v1/projects/", body, format="json") for c in clients])

    assert statuses(responses) == [201, 400]
    refused = next(r for r in responses if r.status_code == 400).json()
    assert "already exists" in refused["errors"]["name"][0]
    project = Project.objects.get(account=account, name="12 Oak St")
    assert project.tasks.count() == 2
    assert_sequences_unique(project)


def test_renaming_two_projects_to_one_name_at_once_refuses_one(account, coordinators):
    projects = [ProjectFactory(account=account) for _ in range(2)]
    clients = [client_for(user) for user in coordinators]

    responses = race(
        *[
            lambda c=c, p=p: c.patch(f"/api/v1/projects/{p.pk}/", {"name": "12 Oak St"}, format="json")
            for c, p in zip(clients, projects, strict=True)
        ]
    )

    assert statuses(responses) == [200, 400]
    refused = next(r for r in responses if r.status_code == 400).json()
    assert "already exists" in refused["errors"]["name"][0]
    assert Project.objects.filter(account=account, name="12 Oak St").count() == 1
    for project in projects:
        assert_sequences_unique(project)


def test_two_owners_demoting_each_other_at_once_leave_one_owner(account, owner):
    from accounts.models import Role, User
    from accounts.services import user_update

    other = UserFactory(account=account, role="owner")

    results = race(
        # Each owner demotes the other.
        lambda: user_update(user=User.objects.get(pk=owner.pk), actor=Actor.for_user(other), role=Role.ADMIN),
        lambda: user_update(user=User.objects.get(pk=other.pk), actor=Actor.for_user(owner), role=Role.ADMIN),
    )

    [refusal] = [r for r in results if isinstance(r, BaseException)]
    assert isinstance(refusal, ValidationError) and "one active owner" in refusal.messages[0]
    assert User.objects.filter(account=account, role=Role.OWNER, is_active=True).count() == 1
