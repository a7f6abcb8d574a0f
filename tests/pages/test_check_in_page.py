"""Check In from the project page (seed 001: check in with a valid ABC number, submit the AGS checklist, press
Complete), against the sandbox: a wrong number is refused by the client while the crew is at the door,
Complete is refused before the check-in, and after it Complete submits the checklist (refused while it has
wrong or missing answers) and completes the check-in."""

import pytest
from django.test import Client

from integrations.models import RelayItem
from projects.models import CheckIn, Project
from tests.integrations.helpers import make_order, refresh_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(fastrack, field_user, sandbox, vendor):
    sandbox.add_orders(vendor[0], [make_order("5501", checkInRequired=True)])
    assert refresh_now(fastrack).status == "succeeded"
    project = Project.objects.get(source_ref="5501")
    Project.objects.filter(pk=project.pk).update(assignee=field_user)
    return project


def test_the_crew_checks_in_completes_the_checklist_and_completes_on_the_page(
    order, field_user, sandbox, vendor
):
    crew = Client()
    crew.force_login(field_user)
    page = f"/projects/{order.pk}/"
    assert f'action="/projects/{order.pk}/check-in"' in crew.get(page).content.decode()

    early = crew.post(f"/projects/{order.pk}/complete", follow=True).content.decode()
    assert "requires a Check In: check in with a valid ABC number before completing it." in early
    order.refresh_from_db()
    assert order.status == "open"

    wrong = crew.post(f"/projects/{order.pk}/check-in", {"abc_number": "ZZZ999999"}, follow=True)
    assert "Invalid ABC number: ZZZ999999 is not valid at the client." in wrong.content.decode()
    malformed = crew.post(f"/projects/{order.pk}/check-in", {"abc_number": "12"}, follow=True)
    assert "An ABC number is 6 to 12 letters and digits." in malformed.content.decode()
    assert not CheckIn.objects.filter(project=order).exists()

    done = crew.post(f"/projects/{order.pk}/check-in", {"abc_number": "ABC123456"}, follow=True)
    body = done.content.decode()
    assert "Checked in with ABC number ABC123456." in body and "AGS Checklist" in body
    assert f'action="/projects/{order.pk}/check-in"' not in body
    assert [r["abcNumber"] for r in sandbox.received("checkins", vendor[0], "5501")] == ["ABC123456"]
    again = crew.post(f"/projects/{order.pk}/check-in", {"abc_number": "ABC123456"}, follow=True)
    assert "is already checked in." in again.content.decode()
    assert CheckIn.objects.filter(project=order).count() == 1
    assert RelayItem.objects.filter(project=order, kind="check_in").count() == 1

    # Complete now submits the checklist: with its answers missing, it is refused and nothing completes.
    refused = crew.post(f"/projects/{order.pk}/complete", follow=True).content.decode()
    assert "The AGS Checklist has" in refused and "answer(s) that need attention" in refused
    order.refresh_from_db()
    assert order.status == "open" and CheckIn.objects.get(project=order).completed_at is None
