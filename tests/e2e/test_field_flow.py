"""The field side in a real browser, with the office watching from a second one.

A field sub-user signs in and sees only the projects assigned to them; on a check-in order (QA in Field) the
field app checks in with an ABC number (a wrong one first), uploads certified photos onto a task and evidence
type (held on the crew's side), the crew answers the client's form on the project page (a wrong answer first)
and the field app completes the check-in with the AGS checklist: the photos are approved and relayed at once,
never waiting for the office. On a QA in Office order the crew's photos wait in the office's QA queue until a
coordinator approves and publishes them. The office sees each step on its pages.

Seed 001 puts Check In and the crew's photo QA in the mobile app: here that is the REST API with the crew's
user token (``POST /api/v1/tokens/``), called through the browser context's request client (the project page's
own Check In form is tested in tests/pages/test_check_in_page.py).

The three tests after it hold what the crew's Complete on the project page must never break: the office's
QA queue keeps their photos, and on a check-in order Complete is the check-in's last step (refused before
the crew has checked in, completing the check-in after).
"""

import io
import uuid

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from accounts.actors import Actor
from integrations.fastrack.sandbox.testing import make_order
from integrations.models import Integration, RelayItem
from projects.models import Project, ProjectStatus
from projects.services import project_assign
from surveys.models import Survey
from tests.e2e.conftest import Pages
from tests.e2e.test_flow import _worker_media_root
from tests.factories import AGS_CHECKLIST, ProjectFactory, TaskFactory, UserFactory
from tests.photos.imagefiles import make_jpeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery"  # tests.factories.UserFactory's
FORM = [
    {
        "id": "grass_height",
        "answerType": "number",
        "label": "Grass height before the cut (inches)",
        "required": True,
    },
    {
        "type": "section",
        "title": "Property",
        "questions": [
            {
                "id": "secured",
                "answerType": "yesNo",
                "label": "Property secured on departure?",
                "required": True,
            },
            {
                "id": "occupancy",
                "answerType": "choice",
                "label": "Occupancy",
                "required": True,
                "choices": ["Vacant", "Occupied"],
            },
            {"id": "notes", "answerType": "text", "label": "Notes for the client", "required": False},
        ],
    },
]
LATITUDE, LONGITUDE = 30.2747, -97.7404  # make_order's property


@pytest.fixture
def office_pages(browser, request):
    """A second browser, the office's, recorded like ``pages`` (screenshots, console errors)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    recorder = Pages(page, request.node.name + "-office")
    yield recorder
    context.close()
    assert not recorder.errors, "Browser errors (office):\n" + "\n".join(recorder.errors)


def _sign_in(page, base_url, user) -> None:
    page.goto(f"{base_url}/login/")
    page.fill('input[name="username"]', user.email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    expect(page.locator("h1")).to_have_text(user.account.name)


def _integration(account, sandbox, name, login, *, qa_in_field):
    integration = Integration(
        account=account, kind="fastrack", name=name, base_url=sandbox.url, qa_in_field=qa_in_field
    )
    integration.set_credentials({"username": login[0], "password": login[1]})
    integration.save()
    return integration


def _import(integration) -> None:
    out = io.StringIO()
    call_command("refresh", str(integration.pk), stdout=out)
    assert '"status": "succeeded"' in out.getvalue(), out.getvalue()


class FieldApp:
    """The crew's phone: the REST API with the crew's own token, through the browser context's requests."""

    def __init__(self, page, base_url, user):
        self.request, self.base = page.request, f"{base_url}/api/v1"
        signed_in = self.request.post(
            f"{self.base}/tokens/", data={"email": user.email, "password": PASSWORD, "name": "Crew phone"}
        )
        assert signed_in.status == 201, signed_in.text()
        self.headers = {"Authorization": f"Token {signed_in.json()['token']}", "Accept": "application/json"}

    def post(self, path, body):
        return self.request.post(f"{self.base}{path}", data=body, headers=self.headers)

    def photo(self, project, task, evidence_type, *, seed):
        """One photo taken now at the property, with the serial the phone chose: certified."""
        response = self.request.post(
            f"{self.base}/projects/{project.pk}/photos/",
            headers=self.headers,
            multipart={
                "file": {"name": f"IMG_{seed}.jpg", "mimeType": "image/jpeg", "buffer": make_jpeg(seed=seed)},
                "serial": str(uuid.uuid4()),
                "task": str(task.pk),
                "evidence_type": evidence_type,
                "taken_at": timezone.now().isoformat(),
                "latitude": str(LATITUDE),
                "longitude": str(LONGITUDE),
            },
        )
        assert response.status == 201, response.text()
        return response.json()


def _relayed(worker, items_sent) -> None:
    """Deliver what was published: the real worker when there is one, else a batch in this process."""
    if worker is None:
        from integrations.relay_delivery import run_batch

        for _ in range(5):  # a completion waiting for its photos is due again once they are sent
            run_batch("e2e-field")
            if items_sent():
                return
        assert items_sent()
    else:
        worker.wait_for(items_sent, timeout=60)


def test_field_flow(
    pages,
    office_pages,
    live_server,
    sandbox,
    vendor,
    worker_or_none,
    account,
    other_account,
    settings,
    tmp_path,
):
    page, office = pages.page, office_pages.page
    base = live_server.url
    if worker_or_none is not None:
        settings.MEDIA_ROOT = _worker_media_root(worker_or_none)
    coordinator = UserFactory(account=account, role="coordinator", full_name="Coordinator Cora")
    crew = UserFactory(account=account, role="field", full_name="Crew Fred")
    other_crew = UserFactory(account=account, role="field", full_name="Crew Olga")
    stranger = UserFactory(account=other_account, role="field", full_name="Crew Stan")
    foreign = ProjectFactory(account=other_account, name="AFS::990001", assignee=stranger)

    # The check-in order comes with the client's form, through an integration with QA in Field (the default);
    # the other integration (another FAStrack login) keeps QA in the office.
    form_id = f"PCR-{uuid.uuid4().hex[:8]}"
    sandbox.add_form(form_id, 1, "Property Condition", FORM)
    in_field = _integration(account, sandbox, "AFS", vendor, qa_in_field=True)
    sandbox.add_orders(
        vendor[0],
        [
            make_order(
                770001,
                checkInRequired=True,
                forms=[{"formId": form_id, "name": "Property Condition", "version": 1}],
            ),
            make_order(770002),
            make_order(770003),
        ],
    )
    office_vendor = f"v-{uuid.uuid4().hex[:10]}"
    sandbox.add_vendor(office_vendor, "fastrack-pass")
    in_office = _integration(
        account, sandbox, "AFS office QA", (office_vendor, "fastrack-pass"), qa_in_field=False
    )
    services = [
        {"serviceId": "770101-1", "serviceName": "Grass Cut", "photoRequired": True, "formId": None},
        {"serviceId": "770101-2", "serviceName": "Debris Removal", "photoRequired": True, "formId": None},
    ]
    sandbox.add_orders(office_vendor, [make_order(770101, services=services)])
    _import(in_field)
    _import(in_office)
    checkin_project = Project.objects.get(account=account, source_ref="770001")
    others_project = Project.objects.get(account=account, source_ref="770002")
    office_project = Project.objects.get(account=account, source_ref="770101")
    assert checkin_project.qa_in_field and not office_project.qa_in_field
    as_coordinator = Actor.for_user(coordinator)
    for project, assignee in ((checkin_project, crew), (others_project, other_crew), (office_project, crew)):
        project_assign(project=project, actor=as_coordinator, assignee=assignee)

    # The crew signs in: their own projects only, and none of the office's pages.
    _sign_in(page, base, crew)
    nav = page.locator("header nav")
    expect(nav).not_to_contain_text("Photo QA")
    expect(nav).not_to_contain_text("Integrations")
    expect(nav).not_to_contain_text("Team")
    expect(page.locator(".cards")).to_contain_text("2 open")
    pages.shot("field-dashboard")
    page.click('nav a[href="/projects/"]')
    rows = page.locator("table.projects tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("AFS::770001")
    expect(rows.nth(1)).to_contain_text("AFS::770101")
    expect(page.locator("table.projects")).not_to_contain_text("770002")
    expect(page.locator("#bulk select[name='action']")).to_have_count(0)
    pages.shot("field-projects")
    for search in ("770002", "770003", "990001"):
        page.goto(f"{base}/projects/?status=&search={search}")
        expect(rows).to_have_text(["No projects match."])
    for pk in (others_project.pk, foreign.pk):
        for url in (f"/projects/{pk}/", f"/api/v1/projects/{pk}/", f"/api/v1/projects/{pk}/photos/"):
            assert page.request.get(f"{base}{url}").status == 404, url
    assert page.request.get(f"{base}/qa/").status == 403
    listed = page.request.get(f"{base}/api/v1/projects/").json()
    assert sorted(p["name"] for p in listed["results"]) == ["AFS::770001", "AFS::770101"]

    # The check-in order: QA in Field, check-in required, the client's form attached; no office actions.
    page.goto(f"{base}/projects/")
    page.get_by_role("link", name="AFS::770001").click()
    expect(page.locator("h1")).to_contain_text("AFS::770001")
    facts = page.locator(".facts-grid")
    expect(facts).to_contain_text("in Field")
    expect(facts).to_contain_text("Crew Fred")
    expect(page.get_by_role("button", name="Publish")).to_have_count(0)
    expect(page.get_by_role("button", name="myFAStrack")).to_have_count(0)
    expect(page.locator('select[name="assignee"]')).to_have_count(0)
    surveys = page.locator("#surveys")
    expect(surveys).to_contain_text("This order requires a check-in; the crew has not checked in yet.")
    expect(surveys.locator("details.survey")).to_have_count(1)  # the AGS checklist comes with the check-in
    expect(surveys.locator("details.survey summary")).to_contain_text("Property Condition")
    pages.shot("field-project")

    # Check In from the field app: a number the client does not know is refused at once, then a valid one.
    app = FieldApp(page, base, crew)
    refused = app.post(f"/projects/{checkin_project.pk}/checkin", {"abc_number": "ZZZ999999"})
    assert refused.status == 400, refused.text()
    assert "Invalid ABC number: ZZZ999999 is not valid at the client" in refused.json()["detail"]
    checked_in = app.post(
        f"/projects/{checkin_project.pk}/checkin",
        {"abc_number": "ABC123456", "latitude": LATITUDE, "longitude": LONGITUDE},
    )
    assert checked_in.status == 201, checked_in.text()
    page.reload()
    check_in = page.locator("#check-in + dl")
    expect(check_in).to_contain_text("ABC123456")
    expect(check_in).to_contain_text("at once")
    expect(check_in).to_contain_text("not yet")
    expect(surveys.locator("details.survey summary")).to_contain_text(["AGS Checklist", "Property Condition"])
    pages.shot("field-checked-in")

    # Photos from the field app onto Grass Cut, Before and After: held on the crew's side (QA in Field).
    task = checkin_project.tasks.get(name="Grass Cut")
    taken = [
        app.photo(checkin_project, task, e, seed=s)
        for e, s in (("before", 11), ("before", 12), ("after", 13))
    ]
    assert {(p["status"], p["source"], p["certified"]) for p in taken} == {("held", "field", True)}
    page.reload()
    thumbs = page.locator("article.task .thumb")
    expect(thumbs).to_have_count(3)
    expect(thumbs.locator(".badge")).to_have_text(["Held until the crew completes"] * 3)
    evidence = page.locator("article.task .evidence > div")
    expect(evidence.nth(0).locator("h3")).to_contain_text("Before 2")
    expect(evidence.nth(2).locator("h3")).to_contain_text("After 1")
    pages.shot("field-photos-held")

    # The office meanwhile: nothing of this waits for its QA, and it cannot approve a held photo.
    _sign_in(office, base, coordinator)
    office.click('nav a[href="/qa/"]')
    expect(office.get_by_text("Nothing waits for QA.")).to_be_visible()
    office_pages.shot("office-qa-empty")
    office.goto(f"{base}/projects/{checkin_project.pk}/")
    expect(office.locator("article.task .thumb .badge")).to_have_text(["Held until the crew completes"] * 3)
    expect(office.get_by_role("button", name="Publish", exact=True)).to_be_visible()  # nothing approved
    office_pages.shot("office-project-held")

    # The crew answers the client's form on the page: a wrong answer is refused with the reason, then fixed.
    form = page.locator(f"#survey-{Survey.objects.get(form_ref=form_id).pk}")
    form.locator("summary").click()
    form.get_by_label("Grass height before the cut (inches)").fill("99999999999999999")
    form.get_by_label("Occupancy").select_option("Vacant")
    form.get_by_role("button", name="Submit").click()
    expect(form.locator(".msg.error")).to_have_text(
        "2 answers need attention: see the questions marked below."
    )
    expect(form.locator('[data-question="grass_height"] small.error')).to_have_text(
        "Enter a number between -1,000,000,000,000,000 and 1,000,000,000,000,000."
    )
    expect(form.locator('[data-question="secured"] small.error')).to_have_text("This question is required.")
    expect(form.get_by_label("Occupancy")).to_have_value("Vacant")  # nothing typed is lost
    pages.shot("field-survey-refused")
    form.get_by_label("Grass height before the cut (inches)").fill("14")
    form.locator('[data-question="secured"]').get_by_label("Yes").check()
    form.get_by_role("button", name="Submit").click()
    expect(form.locator(".msg.success")).to_have_text("Property Condition submitted.")
    expect(form.locator("summary .badge")).to_have_text("Submitted")
    expect(form.locator(".question.invalid")).to_have_count(0)
    pages.shot("field-survey-submitted")

    # The field app completes the check-in with the AGS checklist (naming the crew's photos): that is the
    # crew's Complete, so the held photos are approved and go to the client with the form, no office QA.
    serials = [p["serial"] for p in taken]
    checklist = {**AGS_CHECKLIST, "arrival_front_photo": serials[:1], "departure_secured_photos": serials[2:]}
    completed = app.post(f"/projects/{checkin_project.pk}/checkin/complete", {"checklist": checklist})
    assert completed.status == 200, completed.text()

    def all_sent():
        return RelayItem.objects.filter(project=checkin_project).exclude(status="sent").count() == 0

    _relayed(worker_or_none, all_sent)
    page.reload()
    expect(page.locator("h1 .badge")).to_have_text("Complete")
    expect(page.get_by_role("button", name="Complete")).to_have_count(0)
    expect(thumbs.locator(".badge")).to_have_text(["Approved"] * 3)
    expect(check_in).not_to_contain_text("not yet")
    expect(page.locator("#check-in ~ table .badge")).to_have_text(["Sent", "Sent"])
    pages.shot("field-completed")
    received = sandbox.received("photos", vendor[0], "770001")
    assert sorted(p["flag"] for p in received) == [
        "Grass Cut - After",
        "Grass Cut - Before",
        "Grass Cut - Before",
    ]
    [answers] = sandbox.received("answers", vendor[0], "770001")
    assert answers["answers"]["grass_height"] == 14 and answers["answers"]["secured"] is True
    assert [c["type"] for c in sandbox.received("checkins", vendor[0], "770001")] == ["checkin", "complete"]

    # The QA in Office order: the crew's photos (field app and this page's upload form) wait for the office.
    page.goto(f"{base}/projects/{office_project.pk}/")
    expect(facts).to_contain_text("in Office")
    debris = office_project.tasks.get(name="Debris Removal")
    assert app.photo(office_project, debris, "during", seed=21)["status"] == "pending_qa"
    path = tmp_path / "IMG_web.jpg"
    path.write_bytes(make_jpeg(seed=22))
    page.select_option('form.upload select[name="task"]', label="Grass Cut")
    page.select_option('form.upload select[name="evidence_type"]', "after")
    with page.expect_navigation():
        page.set_input_files('form.upload input[type="file"]', str(path))
    expect(thumbs.locator(".badge")).to_have_text(["Pending QA", "Pending QA"])
    expect(page.get_by_text("Nothing published yet.")).to_be_visible()
    pages.shot("field-office-qa-project")

    # The office: the QA queue holds the QA in Office photos only; approve them and publish.
    office.goto(f"{base}/")
    expect(office.locator(".cards")).to_contain_text("2 pending QA")
    office.click('nav a[href="/qa/"]')
    groups = office.locator(".qa-group")
    expect(groups).to_have_count(1)
    expect(groups.locator("h2")).to_have_text("AFS::770101")
    expect(groups.locator("figcaption")).to_have_text(["Debris Removal · During", "Grass Cut · After"])
    office_pages.shot("office-qa-queue")
    office.get_by_label("Tick all on this page").check()
    office.get_by_role("button", name="Approve ticked").click()
    expect(office.locator(".messages")).to_contain_text("Approved 2 photo(s).")
    office.locator("#publish").get_by_role("button", name="Publish 2 photos of AFS::770101").click()
    expect(office.locator(".messages")).to_contain_text("Published 2 photo(s).")

    def office_sent():
        return RelayItem.objects.filter(project=office_project, status="sent").count() == 2

    _relayed(worker_or_none, office_sent)
    received = sandbox.received("photos", office_vendor, "770101")
    assert sorted(p["flag"] for p in received) == ["Debris Removal - During", "Grass Cut - After"]
    office.goto(f"{base}/projects/{office_project.pk}/")
    expect(office.locator(".badge.relay-sent")).to_have_count(2)
    office_pages.shot("office-office-qa-published")

    # What the office sees of the check-in order: the check-in, the crew's form, the relays, the history.
    office.goto(f"{base}/projects/{checkin_project.pk}/")
    expect(office.locator("h1 .badge")).to_have_text("Complete")
    office_check_in = office.locator("#check-in + dl")
    expect(office_check_in).to_contain_text("ABC123456")
    expect(office_check_in).to_contain_text("by Crew Fred")
    expect(office.locator("#check-in ~ table .badge")).to_have_text(["Sent", "Sent"])
    expect(office.locator("article.task .thumb .badge")).to_have_text(["Approved"] * 3)
    pcr = office.locator(f"#survey-{Survey.objects.get(form_ref=form_id).pk}")
    expect(pcr.locator("summary .badge")).to_have_text("Published")
    expect(pcr.locator("summary")).to_contain_text("Crew Fred")
    relays = office.locator("h2:has-text('Relay to the client') + form table tbody tr")
    expect(relays).to_have_count(6)
    expect(relays.locator(".badge")).to_have_text(["Sent"] * 6)
    history = office.locator("#history")
    expect(history).to_contain_text("Completed by Crew Fred")
    office_pages.shot("office-check-in-project")
    assert Project.objects.get(pk=checkin_project.pk).status == ProjectStatus.COMPLETE


def _office_qa_project(account, crew):
    project = ProjectFactory(account=account, assignee=crew, qa_in_field=False, name="AFS::770201")
    TaskFactory(project=project, name="Grass Cut")
    return project


def test_office_qa_queue_keeps_the_crews_photos_after_they_complete(
    pages, office_pages, live_server, account
):
    """QA in Office (seed 001): the crew's photos "will be held in a Pending QA status on Pruvan Online until
    they are QAed and published". The crew finishing the job must not take them out of the office's queue."""
    page, office, base = pages.page, office_pages.page, live_server.url
    crew = UserFactory(account=account, role="field", full_name="Crew Fred")
    coordinator = UserFactory(account=account, role="coordinator")
    project = _office_qa_project(account, crew)
    _sign_in(page, base, crew)
    app = FieldApp(page, base, crew)
    assert app.photo(project, project.tasks.get(), "before", seed=31)["status"] == "pending_qa"
    page.goto(f"{base}/projects/{project.pk}/")
    page.get_by_role("button", name="Complete").click()
    expect(page.locator(".messages")).to_contain_text("AFS::770201 is complete.")
    expect(page.locator("article.task .thumb .badge")).to_have_text(["Pending QA"])
    pages.shot("field-completed-office-qa")
    _sign_in(office, base, coordinator)
    office_pages.shot("office-dashboard")
    office.click('nav a[href="/qa/"]')
    office_pages.shot("office-qa-queue")
    expect(office.locator(".qa-group h2")).to_have_text(["AFS::770201"], timeout=2_000)


def _checkin_order(fastrack, sandbox, vendor, crew, number):
    """One imported check-in order (QA in Field), assigned to the crew."""
    sandbox.add_orders(vendor[0], [make_order(number, checkInRequired=True)])
    _import(fastrack)
    project = Project.objects.get(integration=fastrack, source_ref=str(number))
    coordinator = UserFactory(account=fastrack.account, role="coordinator")
    return project_assign(project=project, actor=Actor.for_user(coordinator), assignee=crew)


def test_the_crews_checklist_and_complete_on_the_page_complete_the_check_in(
    pages, live_server, sandbox, vendor, fastrack, worker_or_none, account, settings
):
    """Seed 001: the crew "must check in with a valid ABC number, fill out and submit the AGS checklist, and
    press the green Complete button ... in order for the Check In to succeed". The project page offers the
    crew the checklist and the Complete button once checked in: doing exactly that must complete the
    check-in (and send the checklist to the client)."""
    page, base = pages.page, live_server.url
    if worker_or_none is not None:
        settings.MEDIA_ROOT = _worker_media_root(worker_or_none)
    crew = UserFactory(account=account, role="field", full_name="Crew Fred")
    project = _checkin_order(fastrack, sandbox, vendor, crew, 770301)
    _sign_in(page, base, crew)
    app = FieldApp(page, base, crew)
    assert app.post(f"/projects/{project.pk}/checkin", {"abc_number": "ABC123456"}).status == 201
    app.photo(project, project.tasks.get(), "before", seed=41)
    page.goto(f"{base}/projects/{project.pk}/")
    ags = page.locator("details.survey", has=page.locator("summary", has_text="AGS Checklist"))
    ags.locator("summary").click()
    for question, answer in (
        ("arrival_property_secured", "Yes"),
        ("condition_damage_found", "No"),
        ("condition_hazards_found", "No"),
        ("departure_doors_windows_locked", "Yes"),
    ):
        ags.locator(f'[data-question="{question}"]').get_by_label(answer).check()
    for question in ("arrival_front_photo", "departure_secured_photos"):
        ags.locator(f'[data-question="{question}"] input[type="checkbox"]').check()
    ags.get_by_label("Occupancy status").select_option("Vacant")
    ags.get_by_label("Utilities on").select_option("All off")
    ags.get_by_label("Time on site (minutes)").fill("45")
    ags.get_by_role("button", name="Submit").click()
    expect(ags.locator(".msg.success")).to_have_text("AGS Checklist submitted.")
    page.get_by_role("button", name="Complete").click()
    expect(page.locator(".messages")).to_contain_text("AFS::770301 is complete.")
    pages.shot("field-completed-on-the-page")
    expect(page.locator("#check-in + dl")).not_to_contain_text("not yet", timeout=2_000)


def test_complete_on_the_page_never_locks_a_check_in_order_out_of_its_check_in(
    pages, live_server, sandbox, vendor, fastrack, account
):
    """Seed 001: on a check-in order the crew "must check in with a valid ABC number" (then the checklist and
    Complete) "in order for the Check In to succeed". Pressing the page's Complete before checking in must
    leave the check-in possible: refused with a message (the order stays open), or at least still open to
    the check-in afterwards."""
    page, base = pages.page, live_server.url
    crew = UserFactory(account=account, role="field", full_name="Crew Fred")
    project = _checkin_order(fastrack, sandbox, vendor, crew, 770401)
    _sign_in(page, base, crew)
    page.goto(f"{base}/projects/{project.pk}/")
    expect(page.locator("#surveys")).to_contain_text("the crew has not checked in yet")
    page.get_by_role("button", name="Complete").click()
    expect(page.locator(".messages")).to_be_visible()
    pages.shot("field-complete-before-check-in")
    late = FieldApp(page, base, crew).post(f"/projects/{project.pk}/checkin", {"abc_number": "ABC123456"})
    assert late.status == 201, late.text()
