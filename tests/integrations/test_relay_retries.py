"""The relay's retry policy: exponential backoff with jitter, File Save Failed that is not the password,
and re-publishing failed items through the API, one photo or all of a project."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.actors import Actor
from integrations.models import Health, RelayItem
from integrations.relay import publish_project
from integrations.relay_delivery import backoff, run_batch

from .relaying import add_photos, drain, imported_project

pytestmark = pytest.mark.django_db


def test_backoff_doubles_with_jitter_up_to_a_cap(settings):
    settings.RELAY_RETRY_BASE_SECONDS = 30
    settings.RELAY_RETRY_CAP_SECONDS = 3600
    for attempts, base in ((1, 30), (2, 60), (3, 120), (8, 3600), (20, 3600)):
        delays = {backoff(attempts).total_seconds() for _ in range(40)}
        assert all(0.5 * base <= d <= 1.5 * base for d in delays), (attempts, delays)
        assert len(delays) > 1  # jittered: items that failed together do not come back together


def test_file_save_failed_with_good_credentials_goes_on_retrying(
    fastrack, sandbox, vendor, coordinator, settings
):
    """The seeds: several File Save Failed in a row can mean the password changed; when Validate says it
    did not, the items keep their backoff and the count starts again."""
    settings.RELAY_RETRY_BASE_SECONDS = 60
    settings.RELAY_VALIDATE_AFTER_FILE_SAVE_FAILED = 3
    project = imported_project(fastrack, sandbox, vendor)
    add_photos(project, coordinator, 4, approve_as=coordinator)
    sandbox.set_faults(vendor[0], photoFailureRate=1.0, failureMode="file_save_failed")
    publish_project(project=project, actor=Actor.for_user(coordinator))
    started = timezone.now()
    run_batch("test")
    fastrack.refresh_from_db()
    assert fastrack.health == Health.OK and fastrack.file_save_failures == 1  # validated after 3, reset
    items = list(RelayItem.objects.all())
    assert {i.status for i in items} == {"queued"} and {i.attempts for i in items} == {1}
    assert all(i.last_error == "File Save Failed" for i in items)
    assert all(i.next_attempt_at >= started + timedelta(seconds=29) for i in items)  # backed off
    assert sandbox.received("photos", vendor[0]) == []


def test_republish_failed_items_of_one_photo_or_a_whole_project(
    fastrack, sandbox, vendor, coordinator, coordinator_client, settings
):
    settings.RELAY_RETRY_BASE_SECONDS = 0
    settings.RELAY_MAX_ATTEMPTS = 2
    project = imported_project(fastrack, sandbox, vendor)
    photos = add_photos(project, coordinator, 3, approve_as=coordinator)
    sandbox.set_faults(vendor[0], photoFailureRate=1.0, failureMode="http_500")
    publish_project(project=project, actor=Actor.for_user(coordinator))
    drain()
    assert set(RelayItem.objects.values_list("status", flat=True)) == {"failed"}
    sandbox.set_faults(vendor[0])

    one = coordinator_client.post(f"/api/v1/photos/{photos[0].pk}/republish")
    assert one.status_code == 200 and one.json() == {"republished": 1}
    drain()
    assert [g["serial"] for g in sandbox.received("photos", vendor[0])] == [str(photos[0].relay_serial)]

    rest = coordinator_client.post(f"/api/v1/projects/{project.pk}/republish")
    assert rest.status_code == 200 and rest.json() == {"republished": 2}
    drain()
    got = sorted(g["serial"] for g in sandbox.received("photos", vendor[0]))
    assert got == sorted(str(p.relay_serial) for p in photos)
    assert set(RelayItem.objects.values_list("status", flat=True)) == {"sent"}
    again = coordinator_client.post(f"/api/v1/projects/{project.pk}/republish")
    assert again.status_code == 400  # nothing failed is left
