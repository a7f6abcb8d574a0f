"""The add-ons page (admins): the account's WMS add-ons (the signing secret shown once, when made), each
one's delivery log with Redeliver, and the API keys a WMS calls back with (shown once, revocable). Thin:
selectors read, services write and check the role again."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_POST

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.actors import as_actor
from accounts.decorators import form_errors, role_required
from accounts.models import Role

from . import selectors, services
from .forms import AddonForm, ApiKeyForm
from .models import WMS_EVENT_TYPES, DeliveryStatus

DELIVERIES_PER_PAGE = 50


def _keys(request):
    return account_selectors.active_api_keys_of(as_actor(request.user))


def _list(request, *, addon_form=None, key_form=None, status=200):
    context = {
        "addons": selectors.addons_with_counts(request.user),
        "api_keys": _keys(request),
        "addon_form": addon_form or AddonForm(keys=_keys(request)),
        "key_form": key_form or ApiKeyForm(),
        "event_types": len(WMS_EVENT_TYPES),
    }
    return render(request, "wms_addons/list.html", context, status=status)


@role_required(Role.ADMIN)
def addon_list(request):
    return _list(request)


@never_cache  # the answer carries the signing secret: no copy of it may be kept anywhere
@sensitive_variables("made")
@require_POST
@role_required(Role.ADMIN)
def addon_new(request):
    form = AddonForm(request.POST, keys=_keys(request))
    if form.is_valid():
        try:
            made = services.addon_create(actor=as_actor(request.user), **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            return render(request, "wms_addons/created.html", {"addon": made.addon, "secret": made.secret})
    return _list(request, addon_form=form, status=400)


@role_required(Role.ADMIN)
def addon_detail(request, pk):
    addon = selectors.addon_get(request.user, pk)
    shown = request.GET.get("status", "")
    deliveries = selectors.deliveries_of(request.user).filter(addon=addon)
    if shown in DeliveryStatus.values:
        deliveries = deliveries.filter(status=shown)
    else:
        shown = ""
    initial = {f: getattr(addon, f) for f in ("name", "url", "events", "enabled", "api_key")}
    context = {
        "addon": addon,
        "form": AddonForm(initial=initial, keys=_keys(request)),
        "page": Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page")),
        "statuses": DeliveryStatus.choices,
        "shown": shown,
    }
    return render(request, "wms_addons/detail.html", context)


@require_POST
@role_required(Role.ADMIN)
def addon_settings(request, pk):
    addon = selectors.addon_get(request.user, pk)
    form = AddonForm(request.POST, keys=_keys(request))
    if form.is_valid():
        try:
            services.addon_update(addon=addon, actor=as_actor(request.user), **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, f"Saved {addon.name}.")
            return redirect("addon", addon.pk)
    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("addon", pk)


@require_POST
@role_required(Role.ADMIN)
def addon_delete(request, pk):
    addon = selectors.addon_get(request.user, pk)
    services.addon_delete(addon=addon, actor=as_actor(request.user))
    messages.success(request, f"Deleted {addon.name} and its delivery log.")
    return redirect("addons")


@require_POST
@role_required(Role.ADMIN)
def delivery_redeliver(request, pk):
    delivery = selectors.delivery_get(request.user, pk)
    try:
        services.delivery_redeliver(delivery=delivery, actor=as_actor(request.user))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{delivery.webhook_id} will be sent again.")
    return redirect("addon", delivery.addon_id)


@never_cache  # the answer carries the key
@sensitive_variables("issued")
@require_POST
@role_required(Role.ADMIN)
def api_key_new(request):
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _list(request, key_form=form, status=400)
    actor = as_actor(request.user)
    issued = account_services.api_key_issue(account=actor.account, created_by=actor.user, **form.cleaned_data)
    return render(request, "wms_addons/api_key_created.html", {"api_key": issued.record, "key": issued.key})


@require_POST
@role_required(Role.ADMIN)
def api_key_revoke(request, pk):
    api_key = account_selectors.api_key_get(as_actor(request.user), pk)
    account_services.api_key_revoke(api_key=api_key)
    messages.success(request, f"Revoked {api_key.name}: it no longer opens the API.")
    return redirect("addons")
