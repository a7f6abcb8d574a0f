"""Back-office pages that combine apps: the dashboard, integrations (settings, Validate, Refresh and its
progress, the import log) and the relay problems. Integrations may import every other app; the others may
not import this one (DESIGN.md §2)."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from accounts.actors import as_actor
from accounts.decorators import form_errors, role_required
from accounts.models import Role
from accounts.selectors import users_visible_to
from config.posted import posted_ids, posted_next
from projects.selectors import dashboard_counts

from . import pages, relay, services
from .forms import CREATE_FORMS, SETTINGS_FORMS
from .refresh import request_refresh


@role_required(Role.FIELD)
def dashboard(request):
    counts = {**dashboard_counts(request.user), **pages.dashboard_extras(request.user)}
    # "Today" is the account's, as in dashboard_counts, so each number links to exactly its rows.
    today = timezone.localdate(timezone=request.user.account.tzinfo)
    context = {
        "counts": counts,
        "today_iso": today.isoformat(),
        "tomorrow_iso": (today + timedelta(days=1)).isoformat(),
    }
    return render(request, "projects/dashboard.html", context)


def _users(request):
    return users_visible_to(as_actor(request.user)).filter(is_active=True)


@role_required(Role.ADMIN)
def integration_list(request):
    health = request.GET.get("health", "")
    context = {
        "integrations": pages.integrations_of(request.user, health=health),
        "health": pages.HEALTH_FILTERS.get(health, ""),
    }
    return render(request, "integrations/list.html", context)


# Credentials and keys pass through these two: kept out of error reports (the POST and the locals).
@sensitive_post_parameters("password", "share_key")
@sensitive_variables("credentials")
@role_required(Role.ADMIN)
def integration_new(request):
    kind = request.POST.get("kind") or request.GET.get("kind") or "fastrack"
    if kind not in CREATE_FORMS:
        raise Http404("No such kind of integration.")
    form = CREATE_FORMS[kind](request.POST or None, users=_users(request))
    if request.method == "POST" and form.is_valid():
        fields, credentials = form.split()
        try:
            integration = services.integration_create(
                actor=as_actor(request.user), kind=kind, credentials=credentials or {}, **fields
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            what = "the share key" if kind == "share" else "the credentials"
            messages.success(request, f"Added {integration.name}. Click Validate to check {what}.")
            return redirect("integration", integration.pk)
    return render(request, "integrations/new.html", {"form": form, "kind": kind})


@sensitive_post_parameters("password", "share_key")
@sensitive_variables("credentials")
@role_required(Role.ADMIN)
def integration_detail(request, pk):
    """The integration's page; POST saves its settings (and new credentials or a new key, when given: each
    kind's form has only its own credential fields)."""
    integration = pages.integration_get(request.user, pk)
    form_class = SETTINGS_FORMS[integration.kind]
    form = form_class(request.POST or None, initial=form_class.initial_of(integration), users=_users(request))
    if request.method == "POST" and form.is_valid():
        fields, credentials = form.split()
        try:
            services.integration_update(
                integration=integration, actor=as_actor(request.user), credentials=credentials, **fields
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(
                request, "Saved. New projects get these settings; apply them to open ones below."
            )
            return redirect("integration", integration.pk)
    context = {
        "integration": integration,
        "form": form,
        "run": pages.latest_run(integration),
        "log": pages.import_log(integration),
        "tz": integration.account.tzinfo,
    }
    return render(request, "integrations/detail.html", context)


@require_POST
@role_required(Role.ADMIN)
def integration_validate(request, pk):
    integration = pages.integration_get(request.user, pk)
    ok, message = services.integration_validate(integration=integration, actor=as_actor(request.user))
    (messages.success if ok else messages.error)(request, message)
    return redirect("integration", integration.pk)


@require_POST
@role_required(Role.ADMIN)
def integration_apply(request, pk):
    integration = pages.integration_get(request.user, pk)
    count = services.apply_settings_to_open_projects(integration=integration, actor=as_actor(request.user))
    messages.success(request, f"Applied the settings to {count} open project(s).")
    return redirect("integration", integration.pk)


@require_POST
@role_required(Role.ADMIN)
def integration_refresh(request, pk):
    """Start a Refresh (or Full Refresh), or show the one already under way."""
    integration = pages.integration_get(request.user, pk)
    run, created = request_refresh(
        integration=integration, full=request.POST.get("full") == "1", requested_by=request.user
    )
    if request.htmx:  # the partial shows the run under way itself; a message would wait for the next page
        return render(request, "integrations/_run.html", {"run": run})
    if not created:
        messages.info(request, "A refresh is already under way: showing its progress.")
    return redirect("integration", integration.pk)


@role_required(Role.ADMIN)
def refresh_run(request, pk):
    """The progress partial, polled every second while the run is active."""
    run = pages.run_get(request.user, pk)
    # A finished run also swaps the page's health badge (out of band): a refresh sets it, ok or failed.
    response = render(request, "integrations/_run.html", {"run": run, "health_oob": not run.is_active})
    if not run.is_active:
        response["HX-Trigger"] = "refresh-finished"  # the page reloads its import log
    return response


@role_required(Role.ADMIN)
def integration_log(request, pk):
    integration = pages.integration_get(request.user, pk)
    context = {
        "integration": integration,
        "log": pages.import_log(integration),
        "tz": integration.account.tzinfo,
    }
    return render(request, "integrations/_log.html", context)


@role_required(Role.COORDINATOR)
def relays(request):
    items = pages.relay_problems(request.user)
    status = request.GET.get("status")
    if status in pages.PROBLEMS:
        items = items.filter(status=status)
    return render(request, "integrations/relays.html", {"items": items[:500], "status": status})


@require_POST
@role_required(Role.COORDINATOR)
def relays_republish(request):
    ids = posted_ids(request.POST.getlist("ids"))
    if ids is None:  # a malformed id names no item, as another account's does not
        raise Http404("No such relay item.")
    items = list(pages.relay_problems(request.user).filter(pk__in=ids))
    if len(items) != len(ids):
        raise Http404("No such relay item.")
    try:
        count = relay.republish(items=items, actor=as_actor(request.user))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Re-published {count} item(s).")
    return redirect(posted_next(request, "relays"))
