"""Writes for WMS add-ons and their deliveries. Keyword-only arguments, one transaction each; admins and
owners only (the API checks too, but the rule lives here)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import ApiKey, Role
from config.db import unique_or
from projects.models import ProjectEvent

from . import signing
from .models import DeliveryStatus, WmsAddon, WmsDelivery
from .tasks import deliver_due

EDITABLE = ("name", "url", "events", "enabled", "api_key")


@dataclass(frozen=True)
class NewAddon:
    """An add-on just made: ``secret`` is the only time its signing secret is shown."""

    addon: WmsAddon
    secret: str


def _require_admin(actor: Actor) -> None:
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied(f"Your role ({actor.role}) cannot manage WMS add-ons.")


def _check_api_key(actor: Actor, api_key: ApiKey | None) -> None:
    if api_key is not None and api_key.account_id != actor.account_id:
        raise ValidationError({"api_key": "No such API key in this account."})


def _save(addon: WmsAddon, **kwargs) -> None:
    with unique_or("name", f"An add-on named {addon.name} already exists."):
        addon.save(**kwargs)


def _check_name_free(addon: WmsAddon) -> None:
    clash = WmsAddon.objects.filter(account_id=addon.account_id, name=addon.name).exclude(pk=addon.pk)
    if clash.exists():
        raise ValidationError({"name": f"An add-on named {addon.name} already exists."})


@transaction.atomic
def addon_create(
    *,
    actor: Actor,
    name: str,
    url: str,
    events: list[str] | None = None,
    enabled: bool = True,
    api_key: ApiKey | None = None,
) -> NewAddon:
    """A new add-on hears the events that happen from now on, not the account's past."""
    _require_admin(actor)
    _check_api_key(actor, api_key)
    addon = WmsAddon(
        account=actor.account, name=(name or "").strip(), url=url, enabled=enabled, api_key=api_key
    )
    if events is not None:
        addon.events = sorted(set(events))
    _check_name_free(addon)
    secret = signing.new_secret()
    addon.set_secret(secret)
    addon.cursor = (
        ProjectEvent.objects.filter(account_id=actor.account_id).aggregate(top=Max("pk"))["top"] or 0
    )
    addon.full_clean(exclude=["account"], validate_constraints=False)
    _save(addon)
    return NewAddon(addon=addon, secret=secret)


@transaction.atomic
def addon_update(*, addon: WmsAddon, actor: Actor, **fields) -> WmsAddon:
    """Change name, URL (checked again), events, enabled or the add-on's own key. Disabling pauses the
    add-on; enabling it again delivers what happened meanwhile."""
    _require_admin(actor)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"Cannot change: {', '.join(sorted(unknown))}")
    if "api_key" in fields:
        _check_api_key(actor, fields["api_key"])
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
    if "events" in fields and fields["events"] is not None:
        fields["events"] = sorted(set(fields["events"]))
    if not fields:
        return addon
    for name, value in fields.items():
        setattr(addon, name, value)
    _check_name_free(addon)
    addon.full_clean(exclude=["account"], validate_constraints=False)
    _save(addon, update_fields=list(fields))
    return addon


@transaction.atomic
def addon_delete(*, addon: WmsAddon, actor: Actor) -> None:
    """Delete the add-on with its delivery log."""
    _require_admin(actor)
    addon.delete()


@transaction.atomic
def delivery_redeliver(*, delivery: WmsDelivery, actor: Actor | None = None) -> WmsDelivery:
    """Send a parked or delivered event again, with a fresh set of attempts. ``actor`` is None for the
    Django admin (staff act for every account)."""
    if actor is not None:
        _require_admin(actor)
    again = WmsDelivery.objects.filter(
        pk=delivery.pk, status__in=(DeliveryStatus.PARKED, DeliveryStatus.DELIVERED)
    ).update(
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        last_error="",
        last_status_code=None,
        delivered_at=None,
        lease_owner="",
        lease_expires_at=None,
    )
    if not again:
        raise ValidationError(
            "Only a parked or delivered delivery can be sent again.", code="not_redeliverable"
        )
    # The beat tick would find it too; this only saves the wait. robust: a broker hiccup must not fail
    # the request once the row has committed.
    transaction.on_commit(deliver_due.delay, robust=True)
    delivery.refresh_from_db()
    return delivery
