"""Reads for the back-office pages, scoped to the caller's account like every selector."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.actors import as_actor
from accounts.models import Role
from accounts.selectors import users_visible_to
from accounts.templatetags.vd import NAME_LISTS, PAIR_LISTS
from photos.models import PhotoStatus
from photos.selectors import qa_queue
from projects.models import CheckIn, CheckInStatus, Project
from surveys.models import Survey, SurveyResponse
from surveys.validation import NON_QUESTION_KEY, iter_questions

from .models import Health, Integration, IntegrationEvent, RefreshRun, RelayItem, RelayStatus

PROBLEMS = (RelayStatus.FAILED, RelayStatus.HELD)
IN_ERROR = (Health.AUTH_FAILED, Health.ERROR)
# The integrations list's ?health= values and how the page names them.
HEALTH_FILTERS = {"in_error": "in error", **{value: label.lower() for value, label in Health.choices}}
LOG_LINES = 300


def dashboard_extras(caller) -> dict:
    """Pending QA, failed and held relays, integrations in error: what staff act on. Three queries."""
    actor = as_actor(caller)
    if not actor.has_role(Role.COORDINATOR):
        return {}
    relays = RelayItem.objects.filter(integration__account_id=actor.account_id).aggregate(
        failed=Count("id", filter=Q(status=RelayStatus.FAILED)),
        held=Count("id", filter=Q(status=RelayStatus.HELD)),
    )
    in_error = Integration.objects.filter(account_id=actor.account_id, health__in=IN_ERROR).count()
    return {"pending_qa": qa_queue(actor).count(), **relays, "integrations_in_error": in_error}


def integrations_of(caller, *, health: str = "") -> QuerySet[Integration]:
    """The account's integrations; ``health`` "in_error" keeps those the dashboard counts as in error, a
    Health value those in that state, anything else (see HEALTH_FILTERS) filters nothing."""
    actor = as_actor(caller)
    integrations = (
        Integration.objects.filter(account_id=actor.account_id)
        .select_related("default_assignee")
        .order_by("name")
    )
    if health == "in_error":
        integrations = integrations.filter(health__in=IN_ERROR)
    elif health in Health.values:
        integrations = integrations.filter(health=health)
    return integrations


def integration_get(caller, pk) -> Integration:
    integration = integrations_of(caller).select_related("account").filter(pk=pk).first()
    if integration is None:
        raise Http404("No such integration.")
    return integration


def latest_run(integration: Integration) -> RefreshRun | None:
    return integration.runs.order_by("-queued_at", "-id").first()


def run_get(caller, pk) -> RefreshRun:
    actor = as_actor(caller)
    run = (
        RefreshRun.objects.filter(integration__account_id=actor.account_id, pk=pk)
        .select_related("integration")
        .first()
    )
    if run is None:
        raise Http404("No such refresh run.")
    return run


def import_log(integration: Integration) -> list[IntegrationEvent]:
    return list(integration.events.order_by("-created_at", "-id")[:LOG_LINES])


def relay_problems(caller) -> QuerySet[RelayItem]:
    """Failed and held items of the account, newest first, with what the page shows of each."""
    actor = as_actor(caller)
    return (
        RelayItem.objects.filter(integration__account_id=actor.account_id, status__in=PROBLEMS)
        .select_related("project", "photo__task", "integration")
        .order_by("-created_at", "-id")
    )


def relay_items_of(project: Project) -> QuerySet[RelayItem]:
    return (
        RelayItem.objects.filter(project=project).select_related("photo__task").order_by("created_at", "id")
    )


# The project page: history names, check-in, survey forms.


def history(caller, events) -> list:
    """The events, each with ``shown_changes``: its changes with the sub-user ids of assignments replaced by
    names. The names of every id on the page come in one query (none when no event names a sub-user); an id
    the caller may not see (field crews see only themselves) or a deleted user stays a number."""
    actor = as_actor(caller)
    events = list(events)
    ids = {
        value
        for event in events
        for value in _assignees(event.changes)
        if isinstance(value, int) and not isinstance(value, bool)
    }
    names = {}
    if ids:
        rows = users_visible_to(actor).filter(pk__in=ids).values_list("pk", "full_name", "email")
        names = {pk: full_name or email for pk, full_name, email in rows}

    def name(value):
        return names.get(value, f"user #{value}") if isinstance(value, int) else value

    def shown(field, change):
        if field != "assignee":
            return change
        return [name(v) for v in change] if isinstance(change, list) else name(change)

    for event in events:
        changes = event.changes if isinstance(event.changes, dict) else {}
        event.shown_changes = [
            (field, change_label(field), shown(field, change))
            for field, change in changes.items()
            if not _unchanged(field, change)
        ]
    return events


# How the history names the fields of ProjectEvent changes; any other is its key, spaced and capitalised.
CHANGE_LABELS = {
    "address1": "Address",
    "address2": "Address line 2",
    "zip": "ZIP",
    "due_date": "Due",
    "qa_in_field": "QA in Field",
    "check_in_required": "Check-in required",
    "wms_contractor_id": "WMS contractor ID",
}


def change_label(field: str) -> str:
    return CHANGE_LABELS.get(field) or field.replace("_", " ").capitalize()


def _unchanged(field: str, change) -> bool:
    """An [old, new] pair that changed nothing (an assignment records the crew's WMS contractor id, often
    empty before and after): the event keeps it for the WMS, the history leaves it out."""
    if field in NAME_LISTS or field in PAIR_LISTS or not isinstance(change, list) or len(change) != 2:
        return False
    return change[0] == change[1]


def _assignees(changes) -> list:
    """The user ids an event's ``assignee`` names: [old, new] for an assignment, one id (or None) on the
    "created" event of an import with a default assignee."""
    value = changes.get("assignee") if isinstance(changes, dict) else None
    return value if isinstance(value, list) else [value]


def check_in_of(project: Project) -> CheckIn | None:
    return CheckIn.objects.filter(project=project).first()


def survey_shown(survey: Survey, check_in: CheckIn | None) -> bool:
    """The AGS checklist belongs to the check-in (seed 001): it is answered only once the crew checked in."""
    return not survey.is_builtin or check_in is not None


def sent_with_check_in(survey: Survey, check_in: CheckIn | None) -> bool:
    """The checklist of a completed check-in went to the client with it: changing it here would make a draft
    that is never sent again, so the page shows it read-only and refuses saves."""
    return survey.is_builtin and check_in is not None and check_in.status == CheckInStatus.COMPLETED


def answerable_photos(photos) -> list:
    """The photos a survey answer may name, picked from the page's photo list (no second query); the same
    rule as ``surveys.selectors.answerable_photo_serials``, which the service checks again."""
    return [
        p for p in photos if p.status != PhotoStatus.REJECTED and p.task.is_photo_task and not p.task.archived
    ]


def field_name(question_id: str) -> str:
    return f"q:{question_id}"


def answers_from_post(survey: Survey, data) -> dict:
    """The posted form as the services take answers: by question id, text as typed (the service cleans and
    checks it), photo questions as lists of serials. Only the template's questions are read."""
    answers = {}
    for question in iter_questions(survey.questions):
        name = field_name(question["id"])
        if question["answerType"] == "photo":
            answers[question["id"]] = data.getlist(name)
        else:
            answers[question["id"]] = data.get(name, "")
    return answers


def _shown_value(answer_type: str, value):
    """A stored (cleaned) or posted (raw) answer as the form's widget shows it."""
    if answer_type == "photo":
        return {str(v) for v in (value if isinstance(value, list) else [value] if value else [])}
    if value is None:
        return ""
    if answer_type == "yesNo":
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value).strip().lower()
    return str(value)


def _form_items(items, answers: dict, errors: dict, prefix: str, counter: list) -> list[dict]:
    shown = []
    for item in items:
        if item.get("type") == "section":
            shown.append(
                {
                    "section": item["title"],
                    "items": _form_items(item.get("questions") or [], answers, errors, prefix, counter),
                }
            )
            continue
        counter[0] += 1
        qid = item["id"]
        shown.append(
            {
                "id": qid,
                "name": field_name(qid),
                # Question ids are the client's strings: the HTML id is a counter, not the question id.
                "html_id": f"{prefix}-q{counter[0]}",
                "type": item["answerType"],
                "label": item["label"],
                "required": item.get("required", False),
                "choices": item.get("choices") or [],
                "value": _shown_value(item["answerType"], answers.get(qid)),
                "error": errors.get(qid, ""),
            }
        )
    return shown


def survey_form(
    survey: Survey,
    response: SurveyResponse | None,
    *,
    photos: list,
    check_in: CheckIn | None = None,
    closed: bool = False,
    posted: dict | None = None,
    errors: dict | None = None,
    message: str = "",
) -> dict:
    """What ``projects/_survey.html`` renders: the template's sections and questions with the current answers
    (the posted ones after a refused save, so nothing typed is lost) and the services' errors by question."""
    errors = dict(errors or {})
    answers = posted if posted is not None else (response.answers if response is not None else {})
    sent = sent_with_check_in(survey, check_in)
    question_errors = {k: v for k, v in errors.items() if k != NON_QUESTION_KEY}
    top = [errors[NON_QUESTION_KEY]] if NON_QUESTION_KEY in errors else []
    if question_errors:
        count = len(question_errors)
        plural = "1 answer needs" if count == 1 else f"{count} answers need"
        top.insert(0, f"{plural} attention: see the questions marked below.")
    prefix = f"s{survey.pk}"
    return {
        "survey": survey,
        "response": response,
        "html_id": f"survey-{survey.pk}",
        "items": _form_items(survey.questions, answers, question_errors, prefix, [0]),
        "photos": [
            {"pk": p.pk, "serial": str(p.serial), "task": p.task.name, "evidence": p.evidence_type}
            for p in photos
        ],
        "top_error": " ".join(top),
        "message": message,
        "read_only": closed or sent,
        "read_only_reason": "Sent to the client with the check-in's completion."
        if sent
        else ("The project is closed." if closed else ""),
        "open": bool(errors or message),
    }
