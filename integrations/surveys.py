"""The client's surveys, integrations' side: fetching templates during import, and publishing submitted
responses as RelayItems (DESIGN.md §4, §5).

Templates are fetched once per (integration, form id, version): the import reads the stored ones first, in
one query per page, and asks the source only for versions it has never stored. A template the client serves
broken is logged in the import log and skipped; the order imports without it and the next refresh tries
again.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.actors import Actor
from config.db import insert_rows
from projects.events import actor_fields, record_event
from projects.models import EventType, Project, ProjectEvent, ProjectStatus
from surveys.ags import AGS_FORM_ID, AGS_NAME, AGS_QUESTIONS, AGS_VERSION
from surveys.models import AttachedBy, ProjectSurvey, ResponseStatus, Survey, SurveyResponse, SurveySource
from surveys.selectors import relay_serials
from surveys.services import responses_mark_published
from surveys.validation import TemplateError, normalize_template

from .base import ImportedOrder, SourceError
from .models import EventLevel, RelayKind
from .relay import dispatch_on_commit, enqueue

log = logging.getLogger(__name__)

AGS_KEY = ("", AGS_FORM_ID, AGS_VERSION)


@dataclass
class TemplateCache:
    """One refresh run's knowledge of templates: stored ids, and the versions that failed in this run (so a
    broken form is fetched and logged once per run, not once per page)."""

    source: object = None
    ids: dict[tuple, int] = field(default_factory=dict)
    failed: set[tuple] = field(default_factory=set)


def attach_surveys(projects: dict[int, ImportedOrder], state, *, created: set[int]) -> set[int]:
    """Attach the forms named on the orders just written (project id → order), and the AGS checklist to
    check-in orders; detach the forms an order no longer names, unless answered (answers are never lost).
    Runs inside the page's transaction; a fixed number of queries whatever the page holds, none for a page
    of new orders without forms or check-ins. Unchanged orders never come here: their surveys were settled
    when they last changed. A project whose template could not be had this time gets its digest cleared,
    so the next refresh applies its order again and retries. Returns the existing projects whose forms
    changed (and whose history says so)."""
    wanted = {pk: o for pk, o in projects.items() if o.forms or o.check_in_required}
    old = [pk for pk in projects if pk not in created]
    if not wanted and not old:
        return set()
    integration = state.integration
    cache = state.surveys = state.surveys or TemplateCache()
    keys = {(f.ref, f.version) for order in wanted.values() for f in order.forms}
    needs_ags = any(order.check_in_required for order in wanted.values())
    _load_templates(integration, cache, keys, needs_ags, state)

    links, retry, labels = set(), [], {}
    for project_id, order in wanted.items():
        survey_ids = [cache.ids.get((form.ref, form.version)) for form in order.forms]
        if order.check_in_required:
            survey_ids.append(cache.ids.get(AGS_KEY))
        if None in survey_ids:
            retry.append(project_id)
        for form in order.forms:
            if (form.ref, form.version) in cache.ids:
                survey_id = cache.ids[(form.ref, form.version)]
                links.add((project_id, survey_id, AttachedBy.ORDER))
                labels[survey_id] = _label(form.name or form.ref, form.version)
        if order.check_in_required and AGS_KEY in cache.ids:
            links.add((project_id, cache.ids[AGS_KEY], AttachedBy.CHECK_IN))
    existing = (
        list(
            ProjectSurvey.objects.filter(project_id__in=old).values_list(
                "pk", "project_id", "survey_id", "attached_by", "survey__name", "survey__version"
            )
        )
        if old
        else []
    )
    now = timezone.now()
    linked = {(p, s) for _, p, s, *_ in existing}
    new_links = [(p, s, by) for p, s, by in sorted(links) if (p, s) not in linked]
    insert_rows(
        ProjectSurvey,
        [{"project_id": p, "survey_id": s, "attached_by": by} for p, s, by in new_links],
        common={"attached_at": now},
        returning=False,
    )
    changes = defaultdict(dict)
    for p, s, by in new_links:
        if p not in created and by == AttachedBy.ORDER:
            changes[p].setdefault("surveys_added", []).append(labels[s])
    named = {(p, s) for p, s, _ in links}
    dropped = [row for row in existing if row[3] == AttachedBy.ORDER and (row[1], row[2]) not in named]
    for _, p, _, _, name, version in _detach_unanswered(dropped):
        changes[p].setdefault("surveys_removed", []).append(_label(name, version))
    if changes:
        _record_survey_changes(changes, state, now)
    if retry:
        Project.objects.filter(pk__in=retry).update(source_digest="")
    return set(changes)


def _label(name: str, version: int) -> str:
    return f"{name} (version {version})"


def _detach_unanswered(rows: list[tuple]) -> list[tuple]:
    """Detach the links of forms the order no longer names, but keep any with a response: answers stay,
    and a submitted one can still be published. Returns the rows detached."""
    if not rows:
        return []
    answered = set(
        SurveyResponse.objects.filter(
            project_id__in={r[1] for r in rows}, survey_id__in={r[2] for r in rows}
        ).values_list("project_id", "survey_id")
    )
    detached = [r for r in rows if (r[1], r[2]) not in answered]
    if detached:
        ProjectSurvey.objects.filter(pk__in=[r[0] for r in detached]).delete()
    return detached


def _record_survey_changes(changes: dict[int, dict], state, now) -> None:
    """Forms the client added to or dropped from an existing order go in the project's history like any
    change from the client: numbered after the page's other events, three statements."""
    ids = sorted(changes)
    Project.objects.filter(pk__in=ids).update(
        last_event_sequence=F("last_event_sequence") + 1, updated_at=now
    )
    sequences = dict(Project.objects.filter(pk__in=ids).values_list("pk", "last_event_sequence"))
    insert_rows(
        ProjectEvent,
        [{"project_id": pk, "sequence": sequences[pk], "changes": changes[pk]} for pk in ids],
        common={
            "account_id": state.integration.account_id,
            "type": EventType.UPDATED,
            "created_at": now,
            **actor_fields(state.actor),
        },
        returning=False,
    )


def _load_templates(integration, cache: TemplateCache, keys: set, needs_ags: bool, state) -> None:
    unknown = {k for k in keys if k not in cache.ids and k not in cache.failed}
    if needs_ags and AGS_KEY not in cache.ids:
        unknown.add(AGS_KEY)
    if not unknown:
        return
    query = Q(integration=integration, form_ref__in=sorted({k[0] for k in unknown if k != AGS_KEY}))
    query |= Q(source=SurveySource.BUILTIN, form_ref=AGS_FORM_ID, version=AGS_VERSION)
    for pk, source, form_ref, version in Survey.objects.filter(query).values_list(
        "pk", "source", "form_ref", "version"
    ):
        cache.ids[AGS_KEY if source == SurveySource.BUILTIN else (form_ref, version)] = pk
    if needs_ags and AGS_KEY not in cache.ids:
        cache.ids[AGS_KEY] = ensure_ags_survey().pk
    missing = sorted(k for k in unknown if k not in cache.ids and k != AGS_KEY)
    fetched = [s for s in (_fetch(integration, cache, key, state) for key in missing) if s is not None]
    Survey.objects.bulk_create(fetched)
    for survey in fetched:
        cache.ids[(survey.form_ref, survey.version)] = survey.pk


def _fetch(integration, cache: TemplateCache, key: tuple, state) -> Survey | None:
    form_ref, version = key
    try:
        if cache.source is None:
            cache.source = integration.source()
        template = cache.source.fetch_survey(form_ref, version)
        questions = normalize_template(template.questions)
    except TemplateError as exc:
        cache.failed.add(key)
        state.note(
            f"Skipping malformed survey form {form_ref} version {version}: {exc}", level=EventLevel.WARNING
        )
        return None
    except SourceError as exc:
        cache.failed.add(key)
        state.note(
            f"Survey form {form_ref} version {version} could not be fetched ({exc.message}); "
            "it will be attached on a later refresh.",
            level=EventLevel.WARNING,
        )
        return None
    return Survey(
        source=SurveySource.CLIENT,
        integration=integration,
        form_ref=form_ref,
        version=version,
        name=(template.name or form_ref)[:200],
        questions=questions,
        created_at=timezone.now(),
    )


def ensure_ags_survey() -> Survey:
    """The built-in AGS checklist template (one row for everyone)."""
    survey, _ = Survey.objects.get_or_create(
        source=SurveySource.BUILTIN,
        form_ref=AGS_FORM_ID,
        version=AGS_VERSION,
        defaults={"name": AGS_NAME, "questions": normalize_template(AGS_QUESTIONS)},
    )
    return survey


def to_relay_serials(response: SurveyResponse, photos: dict[str, tuple[str, str]]) -> tuple[dict, dict]:
    """The response's answers and photos with each photo named by its relay serial (what the client knows)."""
    by_question = {qid: [photos[s][0] for s in serials] for qid, serials in response.photos.items()}
    return {**response.answers, **by_question}, by_question


@transaction.atomic
def publish_submitted(*, project: Project, actor: Actor) -> int:
    """``relay_submitted`` with its own "published" event (a check-in's completion, say). Returns how many."""
    published = relay_submitted(project=project, actor=actor)
    if published:
        project = Project.objects.select_for_update().get(pk=project.pk)  # the latest event sequence
        record_event(
            project,
            actor,
            EventType.PUBLISHED,
            {"surveys": published, "relayed": project.integration_id is not None},
        )
    return len(published)


@transaction.atomic
def relay_submitted(*, project: Project, actor: Actor) -> list[str]:
    """Relay the project's submitted survey responses: one RelayItem each, with a new serial (the client
    keeps the latest per form). Returns the names of the surveys published; the caller records the event.

    QA in Field holds them, like photos, until the crew completes the project. A response naming a photo
    that is not approved yet stays submitted for a later publish: the relay would otherwise wait for a photo
    that may never be sent. The AGS checklist goes with the check-in's completion, never as a form. Call it
    after the project's photos were turned into RelayItems.
    """
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.qa_in_field and project.status == ProjectStatus.OPEN:
        return []
    responses = list(
        SurveyResponse.objects.select_for_update(of=("self",))
        .filter(project=project, status=ResponseStatus.SUBMITTED)
        .exclude(survey__source=SurveySource.BUILTIN)
        .select_related("survey")
        .order_by("pk")
    )
    named = {s for r in responses for serials in r.photos.values() for s in serials}
    photos = relay_serials(project, named) if named else {}
    now = timezone.now()
    published = []
    for response in responses:
        serials = {s for serials in response.photos.values() for s in serials}
        if any(s not in photos or photos[s][1] != "approved" for s in serials):
            continue
        answers, by_question = to_relay_serials(response, photos)
        enqueue(
            project=project,
            kind=RelayKind.SURVEY,
            payload={
                "formId": response.survey.form_ref,
                "version": response.survey.version,
                "answers": answers,
                "photos": by_question,
                "submittedAt": (response.submitted_at or now).isoformat(),
                "answeredIn": response.answered_in,  # kept by a Share link's primary vendor
            },
            actor=actor,
            serial=uuid.uuid4(),
            dispatch=False,
        )
        published.append(response)
    if not published:
        return []
    if project.integration_id is not None:
        dispatch_on_commit()
    responses_mark_published(response_ids=[r.pk for r in published], now=now)
    return [r.survey.name for r in published]
