"""Reads of integrations, runs, the import log and relay items, scoped to the caller's account."""

from django.db.models import QuerySet
from django.http import Http404

from accounts.actors import as_actor
from projects.selectors import projects_visible_to

from .models import Integration, IntegrationEvent, RefreshRun, RelayItem, RelayStatus


def integrations_visible_to(caller) -> QuerySet[Integration]:
    return Integration.objects.filter(account_id=as_actor(caller).account_id).order_by("name")


def integration_get(caller, pk) -> Integration:
    integration = (
        integrations_visible_to(caller).select_related("account", "default_assignee").filter(pk=pk).first()
    )
    if integration is None:
        raise Http404("No such integration.")
    return integration


def refresh_run_get(caller, pk) -> RefreshRun:
    run = RefreshRun.objects.filter(pk=pk, integration__account_id=as_actor(caller).account_id).first()
    if run is None:
        raise Http404("No such refresh run.")
    return run


def import_log(integration: Integration, *, run_id=None) -> QuerySet[IntegrationEvent]:
    events = IntegrationEvent.objects.filter(integration=integration)
    if run_id:
        events = events.filter(run_id=run_id)
    return events.order_by("-created_at", "-id")


def project_relay_items(project) -> QuerySet[RelayItem]:
    return RelayItem.objects.filter(project=project).order_by("-created_at", "-id")


def relay_items_visible_to(caller) -> QuerySet[RelayItem]:
    """The items of every project the caller may see, newest first: the per-project list's rule (a field
    user's own projects only), account-wide."""
    return RelayItem.objects.filter(project__in=projects_visible_to(caller)).order_by("-created_at", "-id")


def failed_relay_items(caller, *, project=None, photo=None) -> QuerySet[RelayItem]:
    items = RelayItem.objects.filter(
        project__account_id=as_actor(caller).account_id, status=RelayStatus.FAILED
    )
    if project is not None:
        items = items.filter(project=project)
    if photo is not None:
        items = items.filter(photo=photo)
    return items
