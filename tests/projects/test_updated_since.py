"""WMS polling: ``/projects/?updated_since=`` returns what changed since the last poll, whoever changed it (a
service called by a user or a key, or a refresh from the client), and combines with ``integration``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.actors import Actor
from projects.models import Project
from projects.services import project_assign, project_close, project_create
from tests.factories import UserFactory
from tests.integrations.helpers import make_order, refresh_now

pytestmark = pytest.mark.django_db

URL = "/api/v1/projects/"


def _poll(client, since, **filters) -> set[int]:
    response = client.get(URL, {"updated_since": since.isoformat(), **filters})
    assert response.status_code == 200, response.json()
    return {p["id"] for p in response.json()["results"]}


def _age(*projects) -> None:
    """Make the projects' last change an hour old, as if the previous poll had seen them."""
    Project.objects.filter(pk__in=[p.pk for p in projects]).update(
        updated_at=timezone.now() - timedelta(hours=1)
    )


def test_a_change_through_a_service_shows_up_in_the_next_poll(owner_client, owner, account):
    actor = Actor.for_user(owner)
    crew = UserFactory(account=account, role="field")
    a = project_create(actor=actor, name="12 Elm St")
    b = project_create(actor=actor, name="14 Elm St")
    untouched = project_create(actor=actor, name="16 Elm St")
    _age(a, b, untouched)

    before_assign = timezone.now()
    assert _poll(owner_client, before_assign) == set()
    project_assign(project=Project.objects.get(pk=a.pk), actor=actor, assignee=crew)
    assert _poll(owner_client, before_assign) == {a.pk}

    before_close = timezone.now()
    project_close(project=Project.objects.get(pk=b.pk), actor=actor)
    assert _poll(owner_client, before_close) == {b.pk}
    assert _poll(owner_client, before_assign) == {a.pk, b.pk}
    # Another poll with nothing new in between finds nothing; the old rows are still there without it.
    assert _poll(owner_client, timezone.now()) == set()
    assert {p["id"] for p in owner_client.get(URL).json()["results"]} == {a.pk, b.pk, untouched.pk}


def test_a_change_through_the_api_shows_up_in_the_next_poll(owner_client, account):
    project = owner_client.post(URL, {"name": "3 Pine Ct"}, format="json").json()
    _age(Project.objects.get(pk=project["id"]))
    since = timezone.now()
    crew = UserFactory(account=account, role="field")
    assert (
        owner_client.post(f"{URL}{project['id']}/assign", {"user": crew.pk}, format="json").status_code == 200
    )
    assert _poll(owner_client, since) == {project["id"]}


def test_changes_from_a_refresh_show_up_and_the_integration_filter_keeps_to_its_projects(
    owner_client, owner, fastrack, sandbox, vendor
):
    manual = project_create(actor=Actor.for_user(owner), name="Manual job")
    _age(manual)

    before_import = timezone.now()
    sandbox.add_orders(vendor[0], [make_order("7001"), make_order("7002")])
    assert refresh_now(fastrack).created == 2
    imported = {p.source_ref: p.pk for p in Project.objects.filter(integration=fastrack)}
    assert set(imported) == {"7001", "7002"}
    assert _poll(owner_client, before_import) == set(imported.values())
    _age(*Project.objects.filter(integration=fastrack))

    # The client changes one order; a manual project changes too.
    before_change = timezone.now()
    sandbox.patch_order(vendor[0], "7001", instructions="Also trim the hedges.")
    run = refresh_now(fastrack)
    assert run.status == "succeeded" and run.updated == 1
    project_close(project=Project.objects.get(pk=manual.pk), actor=Actor.for_user(owner))

    assert _poll(owner_client, before_change) == {imported["7001"], manual.pk}
    assert _poll(owner_client, before_change, integration=fastrack.pk) == {imported["7001"]}
    every = owner_client.get(URL, {"integration": fastrack.pk}).json()["results"]
    assert {p["id"] for p in every} == set(imported.values())
    assert _poll(owner_client, before_change, integration=fastrack.pk + 1000) == set()
    assert owner_client.get(URL, {"integration": "abc"}).status_code == 400


def test_odd_but_valid_iso_times_are_polled_in_utc_and_impossible_ones_refused(owner_client, owner):
    project = project_create(actor=Actor.for_user(owner), name="1 Oak St")
    early = timezone.now() - timedelta(minutes=5)
    # Offsets past PostgreSQL's ±15:59 are ISO 8601 all the same.
    odd = early.astimezone(timezone.get_fixed_timezone(-21 * 60 - 48)).isoformat()
    assert {p["id"] for p in owner_client.get(URL, {"updated_since": odd}).json()["results"]} == {project.pk}
    for impossible in ("9999-12-31T23:00:00-09:00", "0001-01-01T00:30:00+01:00", "soon"):
        response = owner_client.get(URL, {"updated_since": impossible})
        assert response.status_code == 400 and "updated_since" in response.json()["errors"]
