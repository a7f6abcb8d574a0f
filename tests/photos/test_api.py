"""The photo API: uploads from the field app and the office, refusals, tenancy, QA and the list."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from photos.models import Photo, PhotoStatus
from tests.factories import ProjectFactory, TaskFactory, UserFactory

from .conftest import NEAR, upload_file
from .imagefiles import bad_files

pytestmark = pytest.mark.django_db


def url(project):
    return f"/api/v1/projects/{project.pk}/photos/"


def form(task, files, evidence_type="before", **extra):
    return {"file": files, "task": task.pk, "evidence_type": evidence_type, **extra}


def test_field_app_upload_is_certified_and_held_on_qa_in_field(field_token_client, project, task):
    project.qa_in_field = True
    project.save()
    taken = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    serial = uuid.uuid4()
    data = form(
        task,
        upload_file(taken_at=taken.replace(tzinfo=None), offset="+00:00", gps=NEAR),
        serial=str(serial),
    )
    response = field_token_client.post(url(project), data, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["serial"] == str(serial) and body["source"] == "field" and body["status"] == "held"
    assert (body["cert_item"], body["cert_time"], body["cert_location"], body["certified"]) == (
        True,
        True,
        True,
        True,
    )
    assert body["task"] == {"id": task.pk, "name": "Lawn"}


def test_same_serial_again_answers_200_with_the_same_photo(field_token_client, project, task, media_files):
    serial = str(uuid.uuid4())
    first = field_token_client.post(
        url(project), form(task, upload_file(), serial=serial), format="multipart"
    )
    files = media_files()
    again = field_token_client.post(
        url(project), form(task, upload_file(), serial=serial), format="multipart"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and Photo.objects.count() == 1
    assert media_files() == files


def test_the_field_app_must_send_a_serial(field_token_client, project, task, media_files):
    response = field_token_client.post(url(project), form(task, upload_file()), format="multipart")
    assert response.status_code == 400 and "serial" in response.json()["errors"]
    assert media_files() == []


def test_office_uploads_several_files_never_certified(coordinator_client, project, task):
    project.qa_in_field = True
    project.save()
    files = [upload_file(seed=i, gps=NEAR, name=f"IMG_{i}.jpg") for i in range(3)]
    response = coordinator_client.post(url(project), form(task, files, "after"), format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert len(body) == 3 and [p["original_name"] for p in body] == ["IMG_0.jpg", "IMG_1.jpg", "IMG_2.jpg"]
    for photo in body:
        assert photo["source"] == "office" and photo["status"] == "pending_qa"
        assert not (photo["cert_item"] or photo["cert_time"] or photo["cert_location"] or photo["certified"])


@pytest.mark.parametrize("bad", bad_files(), ids=lambda bad: bad.name)
def test_every_bad_file_is_a_clear_400_and_leaves_nothing(
    coordinator_client, project, task, settings, bad, media_files
):
    settings.PHOTO_MAX_BYTES = bad.limits.max_bytes
    settings.PHOTO_MAX_PIXELS = bad.limits.max_pixels
    response = coordinator_client.post(url(project), form(task, upload_file(bad.data)), format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == bad.code and body["errors"]["file"][0].endswith(".")
    assert media_files() == [] and Photo.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ("other_project", "task", "This task belongs to another project."),
        ("archived", "task", "removed by the client"),
        ("not_photo", "task", "Photos are taken on photo tasks only."),
        ("other_account", "task", "does not exist"),
        ("evidence_type", "evidence_type", "is not a valid choice"),
    ],
)
def test_wrong_targets_are_400(
    coordinator_client, account, other_account, project, task, change, field, message
):
    evidence_type = "before"
    if change == "other_project":
        task = TaskFactory(project=ProjectFactory(account=account))
    elif change == "other_account":
        task = TaskFactory(project=ProjectFactory(account=other_account))
    elif change == "evidence_type":
        evidence_type = "later"
    else:
        task.archived = change == "archived"
        task.is_photo_task = change != "not_photo"
        task.save()
    response = coordinator_client.post(
        url(project), form(task, upload_file(), evidence_type), format="multipart"
    )
    assert response.status_code == 400
    assert message in response.json()["errors"][field][0]


def test_missing_fields_are_400(coordinator_client, project, task):
    response = coordinator_client.post(url(project), {"task": task.pk}, format="multipart")
    assert response.status_code == 400 and {"file", "evidence_type"} <= set(response.json()["errors"])


def test_another_accounts_project_is_404(coordinator_client, other_account):
    theirs = ProjectFactory(account=other_account)
    task = TaskFactory(project=theirs)
    assert (
        coordinator_client.post(url(theirs), form(task, upload_file()), format="multipart").status_code == 404
    )
    assert coordinator_client.get(url(theirs)).status_code == 404


def test_a_field_user_on_a_project_not_theirs_is_404(field_token_client, account, media_files):
    other = ProjectFactory(account=account)
    task = TaskFactory(project=other)
    data = form(task, upload_file(), serial=str(uuid.uuid4()))
    assert field_token_client.post(url(other), data, format="multipart").status_code == 404
    assert media_files() == []


def test_approve_reject_move_and_bulk_approve(coordinator_client, field_client, project, task):
    ids = [
        coordinator_client.post(url(project), form(task, upload_file(seed=i)), format="multipart").json()[
            "id"
        ]
        for i in range(3)
    ]
    assert field_client.post(f"/api/v1/photos/{ids[0]}/approve").status_code == 403
    approved = coordinator_client.post(f"/api/v1/photos/{ids[0]}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    rejected = coordinator_client.post(f"/api/v1/photos/{ids[1]}/reject", {"reason": "Blurry"}, format="json")
    assert rejected.json()["status"] == "rejected" and rejected.json()["reject_reason"] == "Blurry"
    assert coordinator_client.post(f"/api/v1/photos/{ids[1]}/reject", {}, format="json").status_code == 400
    other_task = TaskFactory(project=project, name="Roof")
    moved = coordinator_client.patch(
        f"/api/v1/photos/{ids[2]}/", {"task": other_task.pk, "evidence_type": "after"}, format="json"
    )
    assert moved.status_code == 200 and moved.json()["task"]["name"] == "Roof"
    bulk = coordinator_client.post("/api/v1/photos/bulk-approve", {"ids": ids}, format="json")
    assert bulk.json() == {"approved": 1}
    assert (
        coordinator_client.post("/api/v1/photos/bulk-approve", {"ids": [10**9]}, format="json").status_code
        == 400
    )


def test_a_decision_sent_with_the_status_it_was_made_on_does_not_overturn_a_newer_one(
    coordinator_client, coordinator, project, task
):
    photo_id = coordinator_client.post(url(project), form(task, upload_file()), format="multipart").json()[
        "id"
    ]
    approve = f"/api/v1/photos/{photo_id}/approve"
    assert coordinator_client.post(approve, {"seen": "pending_qa"}, format="json").status_code == 200
    refused = coordinator_client.post(
        f"/api/v1/photos/{photo_id}/reject", {"reason": "Blurry", "seen": "pending_qa"}, format="json"
    )
    assert refused.status_code == 400 and refused.json()["code"] == "decided_meanwhile"
    assert coordinator_client.get(f"/api/v1/photos/{photo_id}/").json()["status"] == "approved"
    bad = coordinator_client.post(approve, {"seen": "maybe"}, format="json")
    assert bad.status_code == 400 and "seen" in bad.json()["errors"]
    # Made on what it is now, the decision is the caller's own: it goes through.
    rejected = coordinator_client.post(
        f"/api/v1/photos/{photo_id}/reject", {"reason": "Blurry", "seen": "approved"}, format="json"
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"


def test_move_after_publishing_gives_a_new_relay_serial(coordinator_client, project, task):
    photo_id = coordinator_client.post(url(project), form(task, upload_file()), format="multipart").json()[
        "id"
    ]
    Photo.objects.filter(pk=photo_id).update(status=PhotoStatus.APPROVED, published_at=timezone.now())
    moved = coordinator_client.patch(
        f"/api/v1/photos/{photo_id}/", {"evidence_type": "during"}, format="json"
    )
    body = moved.json()
    assert body["relay_serial"] != body["serial"] and body["published_at"] is None


def test_files_are_served_to_the_accounts_users_only(
    coordinator_client, field_token_client, owner_client, account, other_account, project, task, api_client
):
    data = upload_file(seed=4)
    photo = coordinator_client.post(url(project), form(task, data), format="multipart").json()
    for kind, content_type in (
        ("file", "image/jpeg"),
        ("thumbnail", "image/jpeg"),
        ("display", "image/jpeg"),
    ):
        response = owner_client.get(f"/api/v1/photos/{photo['id']}/{kind}", HTTP_ACCEPT="image/avif,image/*")
        assert response.status_code == 200 and response["Content-Type"] == content_type
        assert "private" in response["Cache-Control"]
        if kind == "file":
            assert b"".join(response.streaming_content) == data.getvalue()
    assert (
        field_token_client.get(f"/api/v1/photos/{photo['id']}/thumbnail").status_code == 200
    )  # assigned crew
    stranger = UserFactory(account=other_account, role="owner")
    api_client.force_authenticate(stranger)
    assert api_client.get(f"/api/v1/photos/{photo['id']}/file").status_code == 404
    other_crew = UserFactory(account=account, role="field")
    api_client.force_authenticate(other_crew)
    assert api_client.get(f"/api/v1/photos/{photo['id']}/thumbnail").status_code == 404
    api_client.force_authenticate(None)
    assert api_client.get(f"/api/v1/photos/{photo['id']}/file").status_code in (401, 403)


def test_list_filters_and_constant_query_count(coordinator_client, project, task):
    def add(count, start):
        for i in range(count):
            Photo.objects.create(
                account=project.account,
                project=project,
                task=task,
                evidence_type="before" if i % 2 else "after",
                serial=(serial := uuid.uuid4()),
                relay_serial=serial,
                source="office",
                content_type="image/jpeg",
                size_bytes=1,
                width=1,
                height=1,
                sha256="0" * 64,
                phash=start + i,
                phash_band0=0,
                phash_band1=0,
                phash_band2=0,
                phash_band3=start + i,
                uploaded_by=UserFactory(account=project.account),
            )

    def queries_for_list():
        with CaptureQueriesContext(connection) as queries:
            response = coordinator_client.get(url(project))
        assert response.status_code == 200
        return len(queries), response.json()

    add(3, 0)
    few, body = queries_for_list()
    assert body["count"] == 3
    add(27, 100)
    many, body = queries_for_list()
    assert body["count"] == 30 and few == many
    after = coordinator_client.get(url(project) + "?evidence_type=after&status=pending_qa").json()
    assert after["count"] == 16  # i even is "after": 2 of the first 3, 14 of the next 27
    assert coordinator_client.get(url(project) + f"?task={task.pk + 1000}").json()["count"] == 0


def test_capture_metadata_must_make_sense(coordinator_client, project, task, media_files):
    two = [upload_file(seed=1), upload_file(seed=2)]
    response = coordinator_client.post(
        url(project), form(task, two, taken_at="2030-01-01T10:00:00"), format="multipart"
    )
    assert response.status_code == 400 and "one file" in response.json()["detail"]
    response = coordinator_client.post(
        url(project), form(task, upload_file(), latitude="30.1"), format="multipart"
    )
    assert response.status_code == 400 and "latitude" in response.json()["errors"]
    response = coordinator_client.post(
        url(project), form(task, upload_file(), latitude="nan"), format="multipart"
    )
    assert response.status_code == 400
    assert media_files() == []


def test_a_file_past_the_limit_is_refused_as_it_streams_in_and_nothing_is_kept(
    coordinator_client, project, task, settings, media_files
):
    """photos/uploads.py: the part stops being stored at the limit; the answer names the file and the limit,
    and the small file sent with it is not imported either (all or nothing)."""
    settings.PHOTO_MAX_BYTES = 200_000
    small, big = upload_file(name="small.jpg"), upload_file(data=b"\xff\xd8" + bytes(600_000), name="big.jpg")
    answer = coordinator_client.post(
        f"/api/v1/projects/{project.pk}/photos/",
        {"file": [small, big], "task": task.pk, "evidence_type": "before"},
        format="multipart",
    )
    assert answer.status_code == 400
    assert answer.json()["errors"]["file"] == ["big.jpg is larger than 0.1907 MB, the limit for a photo."]
    assert not Photo.objects.exists() and media_files() == []
