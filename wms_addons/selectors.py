"""Reads of WMS add-ons and deliveries, scoped to the caller's account."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.actors import as_actor

from .models import OPEN_STATUSES, DeliveryStatus, WmsAddon, WmsDelivery


def addons_of(caller) -> QuerySet[WmsAddon]:
    return WmsAddon.objects.filter(account_id=as_actor(caller).account_id).order_by("name", "pk")


def addons_with_counts(caller) -> QuerySet[WmsAddon]:
    """The add-ons with how many deliveries wait and how many are parked (one query), and their API key."""
    return (
        addons_of(caller)
        .select_related("api_key")
        .annotate(
            waiting=Count("deliveries", filter=Q(deliveries__status__in=OPEN_STATUSES)),
            parked=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PARKED)),
        )
    )


def addon_get(caller, pk) -> WmsAddon:
    addon = addons_of(caller).filter(pk=pk).first()
    if addon is None:
        raise Http404("No such add-on.")
    return addon


def deliveries_of(caller) -> QuerySet[WmsDelivery]:
    """The delivery log, newest first; one query per page whatever the rows (joins add-on, event, project)."""
    return (
        WmsDelivery.objects.filter(addon__account_id=as_actor(caller).account_id)
        .select_related("addon", "event", "project")
        .order_by("-pk")
    )


def delivery_get(caller, pk) -> WmsDelivery:
    delivery = deliveries_of(caller).filter(pk=pk).first()
    if delivery is None:
        raise Http404("No such delivery.")
    return delivery
