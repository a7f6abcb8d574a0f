"""Reads for the back-office pages, scoped to the caller's account like every selector."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.actors import as_actor
from accounts.models import Role
from photos.selectors import qa_queue
from projects.models import Project

from .models import Health, Integration, IntegrationEvent, RefreshRun, RelayItem, RelayStatus

PROBLEMS = (RelayStatus.FAILED, RelayStatus.HELD)
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
    in_error = Integration.objects.filter(
        account_id=actor.account_id, health__in=(Health.AUTH_FAILED, Health.ERROR)
    ).count()
    return {"pending_qa": qa_queue(actor).count(), **relays, "integrations_in_error": in_error}


def integrations_of(caller) -> QuerySet[Integration]:
    actor = as_actor(caller)
    return (
        Integration.objects.filter(account_id=actor.account_id)
        .select_related("default_assignee")
        .order_by("name")
    )


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
