"""photo_ingest: facts, certification, status, idempotency, reuse, and no file left behind."""

from __future__ import annotations

import uuid
from datetime import UTC, timedelta
from datetime import timezone as dt_timezone
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.actors import Actor
from photos import services
from photos.models import Photo, PhotoSource, PhotoStatus
from photos.phash import bands
from tests.factories import ProjectFactory, TaskFactory, UserFactory

from .conftest import FAR, NEAR, upload_file
from .imagefiles import make_jpeg

pytestmark = pytest.mark.django_db


def ingest(actor, project, task, source=PhotoSource.FIELD, evidence_type="before", **kwargs):
    file = kwargs.pop("file", None) or upload_file(**kwargs.pop("image", {}))
    return services.photo_ingest(
        actor=Actor.for_user(actor),
        project=project,
        task=task,
        evidence_type=evidence_type,
        file=file,
        source=source,
        **kwargs,
    )


def recent(hours=1):
    return timezone.now().astimezone(UTC).replace(microsecond=0) - timedelta(hours=hours)


def test_exif_time_with_offset_and_gps_certify_a_field_photo(field_user, project, task, media_files):
    taken = recent().astimezone(dt_timezone(timedelta(hours=-5)))
    data = make_jpeg(taken_at=taken.replace(tzinfo=None), offset="-05:00", gps=NEAR, camera=("Acme", "X1"))
    photo, created = ingest(field_user, project, task, file=upload_file(data))
    assert created and photo.source == PhotoSource.FIELD
    assert photo.taken_at == taken
    assert (photo.cert_item, photo.cert_time, photo.cert_location) == (True, True, True)
    assert photo.certified
    assert float(photo.latitude) == pytest.approx(NEAR[0], abs=1e-5)
    assert (photo.camera_make, photo.camera_model) == ("Acme", "X1")
    assert photo.relay_serial == photo.serial
    assert (photo.width, photo.height, photo.content_type) == (640, 480, "image/jpeg")
    assert (photo.phash_band0, photo.phash_band1, photo.phash_band2, photo.phash_band3) == bands(photo.phash)
    # Original byte for byte, renditions beside it, all under an unguessable name.
    with photo.original.open("rb") as original:
        assert original.read() == data
    assert photo.original.name.startswith(f"photos/{project.account_id}/{project.pk}/")
    assert str(photo.serial) not in photo.original.name
    assert len(media_files()) == 3


def test_naive_exif_time_is_in_the_account_time_zone(field_user, project, task):
    chicago = project.account.tzinfo
    local = recent(2).astimezone(chicago).replace(tzinfo=None)
    photo, _ = ingest(field_user, project, task, image={"taken_at": local})
    assert photo.taken_at == timezone.make_aware(local, chicago)
    assert photo.cert_time and photo.cert_location is None  # no GPS in the file


def test_old_far_photos_are_not_certified(field_user, project, task):
    old = recent(13).replace(tzinfo=None)
    photo, _ = ingest(field_user, project, task, image={"taken_at": old, "offset": "+00:00", "gps": FAR})
    assert (photo.cert_item, photo.cert_time, photo.cert_location) == (True, False, False)
    assert not photo.certified


def test_field_app_capture_metadata_wins_over_exif(field_user, project, task):
    taken = recent(1)
    photo, _ = ingest(
        field_user,
        project,
        task,
        image={"taken_at": recent(30).replace(tzinfo=None), "gps": FAR},
        taken_at=taken,
        latitude=NEAR[0],
        longitude=NEAR[1],
    )
    assert photo.taken_at == taken and photo.cert_time and photo.cert_location


def test_no_location_certificate_without_project_coordinates(account, field_user):
    project = ProjectFactory(account=account, assignee=field_user)
    photo, _ = ingest(field_user, project, TaskFactory(project=project), image={"gps": NEAR})
    assert photo.cert_location is None


def test_office_uploads_are_never_certified(coordinator, project, task):
    photo, _ = ingest(
        coordinator,
        project,
        task,
        source=PhotoSource.OFFICE,
        image={"taken_at": recent().replace(tzinfo=None), "offset": "+00:00", "gps": NEAR},
    )
    assert (photo.cert_item, photo.cert_time, photo.cert_location) == (False, False, False)
    assert photo.status == PhotoStatus.PENDING_QA


def test_qa_in_field_holds_field_photos_and_qa_in_office_does_not(field_user, project, task):
    project.qa_in_field = True
    project.save()
    held, _ = ingest(field_user, project, task, image={"seed": 1})
    assert held.status == PhotoStatus.HELD
    project.qa_in_field = False
    project.save()
    pending, _ = ingest(field_user, project, task, image={"seed": 2})
    assert pending.status == PhotoStatus.PENDING_QA


def test_office_uploads_on_a_qa_in_field_project_wait_for_qa(coordinator, project, task):
    project.qa_in_field = True
    project.save()
    photo, _ = ingest(coordinator, project, task, source=PhotoSource.OFFICE)
    assert photo.status == PhotoStatus.PENDING_QA


def test_same_serial_returns_the_same_photo_and_stores_nothing(field_user, project, task, media_files):
    serial = uuid.uuid4()
    first, created = ingest(field_user, project, task, serial=serial)
    files = media_files()
    again, created_again = ingest(field_user, project, task, serial=serial, image={"seed": 9})
    assert created and not created_again and again.pk == first.pk
    assert media_files() == files and Photo.objects.count() == 1


def test_a_serial_of_another_project_is_refused(field_user, account, project, task):
    serial = uuid.uuid4()
    ingest(field_user, project, task, serial=serial)
    other = ProjectFactory(account=account, assignee=field_user)
    with pytest.raises(ValidationError) as error:
        ingest(field_user, other, TaskFactory(project=other), serial=serial)
    assert "another project" in str(error.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("other_project", "This task belongs to another project."),
        ("archived", "was removed by the client"),
        ("not_photo", "Photos are taken on photo tasks only."),
    ],
)
def test_tasks_photos_cannot_go_to(field_user, account, project, task, change, message, media_files):
    if change == "other_project":
        task = TaskFactory(project=ProjectFactory(account=account))
    elif change == "archived":
        task.archived = True
        task.save()
    else:
        task.is_photo_task = False
        task.save()
    with pytest.raises(ValidationError) as error:
        ingest(field_user, project, task)
    assert message in str(error.value) and media_files() == []


def test_evidence_type_must_be_known(field_user, project, task):
    with pytest.raises(ValidationError, match="evidence type"):
        ingest(field_user, project, task, evidence_type="sometime")


def test_field_users_add_photos_to_their_own_projects_only(account, project, task):
    stranger = UserFactory(account=account, role="field")
    with pytest.raises(PermissionDenied):
        ingest(stranger, project, task)


def test_a_database_failure_leaves_no_file(field_user, project, task, media_files):
    with mock.patch.object(Photo, "save", side_effect=RuntimeError("disk full")), pytest.raises(RuntimeError):
        ingest(field_user, project, task)
    assert media_files() == [] and Photo.objects.count() == 0


def test_several_files_are_all_or_nothing(coordinator, project, task, media_files):
    good = upload_file(seed=1)
    bad = upload_file(b"not a photo", name="notes.txt")
    with pytest.raises(ValidationError) as error:
        services.photos_ingest(
            actor=Actor.for_user(coordinator),
            project=project,
            task=task,
            evidence_type="after",
            uploads=[services.Upload(file=good), services.Upload(file=bad)],
            source=PhotoSource.OFFICE,
        )
    assert "notes.txt: The file is not an image." in str(error.value)
    assert media_files() == [] and Photo.objects.count() == 0


class TestReuse:
    def test_near_duplicate_on_another_project_of_the_account(self, account, field_user, project, task):
        first, _ = ingest(field_user, project, task, image={"seed": 5, "quality": 95})
        other = ProjectFactory(account=account, assignee=field_user)
        with CaptureQueriesContext(connection) as queries:
            again, _ = ingest(field_user, other, TaskFactory(project=other), image={"seed": 5, "quality": 70})
        assert again.possible_reuse and again.reuse_of_id == first.pk
        # Bounded whatever the number of photos: serial check, reuse lookup, insert (+ savepoints).
        assert len([q for q in queries.captured_queries if "photos_photo" in q["sql"]]) <= 3

    def test_the_same_project_is_not_reuse(self, field_user, project, task):
        ingest(field_user, project, task, image={"seed": 5})
        again, _ = ingest(field_user, project, task, image={"seed": 5, "quality": 70})
        assert not again.possible_reuse

    def test_another_account_is_not_reuse(self, field_user, project, task, other_account):
        ingest(field_user, project, task, image={"seed": 5})
        crew = UserFactory(account=other_account, role="field")
        theirs = ProjectFactory(account=other_account, assignee=crew)
        photo, _ = ingest(crew, theirs, TaskFactory(project=theirs), image={"seed": 5})
        assert not photo.possible_reuse and photo.reuse_of is None

    def test_unrelated_pictures_are_not_reuse(self, account, field_user, project, task):
        ingest(field_user, project, task, image={"seed": 5})
        other = ProjectFactory(account=account, assignee=field_user)
        photo, _ = ingest(field_user, other, TaskFactory(project=other), image={"seed": 6})
        assert not photo.possible_reuse

    def test_lookup_query_count_does_not_grow_with_photos(self, account, field_user, project, task):
        for seed in range(12):
            ingest(field_user, project, task, image={"seed": 100 + seed, "width": 64, "height": 48})
        other = ProjectFactory(account=account, assignee=field_user)
        with CaptureQueriesContext(connection) as queries:
            ingest(
                field_user, other, TaskFactory(project=other), image={"seed": 100, "width": 64, "height": 48}
            )
        selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
        band_lookups = [sql for sql in selects if "phash_band0" in sql and "phash_band3" in sql]
        assert len(band_lookups) == 1 and "LIMIT" in band_lookups[0]


def test_a_serial_racing_in_from_another_connection_keeps_the_first(field_user, project, task, media_files):
    serial = uuid.uuid4()
    first, _ = ingest(field_user, project, task, serial=serial)
    files = media_files()
    # As if the retry passed the serial check before the first upload committed.
    with mock.patch("photos.ingest._existing_by_serial", return_value={}):
        again, created = ingest(field_user, project, task, serial=serial, image={"seed": 3})
    assert again.pk == first.pk and not created
    assert media_files() == files


def test_a_retry_after_the_task_was_removed_still_gets_its_photo(field_user, project, task):
    serial = uuid.uuid4()
    first, _ = ingest(field_user, project, task, serial=serial)
    task.archived = True
    task.save()
    again, created = ingest(field_user, project, task, serial=serial)
    assert again.pk == first.pk and not created
