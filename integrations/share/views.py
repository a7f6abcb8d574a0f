"""The primary vendor's Share pages: its share keys, issuing one (the key shown once) and revoking it, and
handing projects over (in bulk from a key's page, one at a time from the project page). Thin: selectors
read, services write and check the roles again (issuing and revoking are for admins)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_POST

from accounts.actors import as_actor
from accounts.decorators import form_errors, role_required
from accounts.models import Role
from config.posted import posted_id, posted_ids
from projects.selectors import project_get

from . import selectors, services
from .forms import CandidateSearchForm, ShareForm


def _list(request, form, status=200):
    actor = as_actor(request.user)
    context = {
        "shares": selectors.shares_visible_to(actor),
        "form": form,
        "can_issue": actor.has_role(Role.ADMIN),
    }
    return render(request, "integrations/shares/list.html", context, status=status)


@role_required(Role.COORDINATOR)
def share_list(request):
    return _list(request, ShareForm())


@never_cache  # the answer carries the key: no copy of it may be kept anywhere
@sensitive_variables("key")
@require_POST
@role_required(Role.ADMIN)
def share_new(request):
    form = ShareForm(request.POST)
    if form.is_valid():
        try:
            link, key = services.share_create(actor=as_actor(request.user), **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            return render(request, "integrations/shares/created.html", {"share": link, "key": key})
    return _list(request, form, status=400)


@role_required(Role.COORDINATOR)
def share_detail(request, pk):
    """A key's page: its projects, and the open imported projects to hand over (searched; with HTMX only
    the list of candidates is sent back)."""
    actor = as_actor(request.user)
    link = selectors.share_get(actor, pk)
    search = CandidateSearchForm(request.GET)
    shown = selectors.CANDIDATES_SHOWN
    candidates = []
    if link.is_live and search.is_valid():
        candidates = list(selectors.hand_over_candidates(actor, link, search.cleaned_data["q"])[: shown + 1])
    context = {
        "share": link,
        "search": request.GET.get("q", ""),
        "search_error": " ".join(search.errors.get("q", [])),
        "candidates": candidates[:shown],
        "more_candidates": len(candidates) > shown,
    }
    if request.htmx:
        return render(request, "integrations/shares/_candidates.html", context)
    context.update(
        hand_overs=selectors.link_hand_overs(actor, link),
        can_admin=actor.has_role(Role.ADMIN),
        form=ShareForm(initial={"name": link.name, "photo_status": link.photo_status}),
    )
    return render(request, "integrations/shares/detail.html", context)


@require_POST
@role_required(Role.ADMIN)
def share_settings(request, pk):
    link = selectors.share_get(request.user, pk)
    form = ShareForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("share", link.pk)
    try:
        services.share_update(link=link, actor=as_actor(request.user), **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Saved {link.name}.")
    return redirect("share", link.pk)


@require_POST
@role_required(Role.ADMIN)
def share_revoke(request, pk):
    link = selectors.share_get(request.user, pk)
    if not link.is_live:
        messages.info(request, f"{link.name} was already revoked.")
        return redirect("share", link.pk)
    services.share_revoke(link=link, actor=as_actor(request.user))
    messages.success(
        request,
        f"Revoked {link.name}: {link.projects} project(s) taken back; the subcontractor's copies are closed.",
    )
    return redirect("shares")


@require_POST
@role_required(Role.COORDINATOR)
def share_hand_over(request, pk):
    """Hand the ticked projects to this key, all or none."""
    link = selectors.share_get(request.user, pk)
    ids = posted_ids(request.POST.getlist("projects"))
    if not ids:  # none ticked, or one that is not a project's id: nothing is handed over
        messages.error(request, "Tick the projects to hand over." if ids == [] else "No such project.")
        return redirect("share", link.pk)
    try:
        count = services.projects_hand_over(link=link, project_ids=ids, actor=as_actor(request.user))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Handed {count} project(s) to {link.name}.")
    return redirect("share", link.pk)


@require_POST
@role_required(Role.COORDINATOR)
def share_take_back(request, pk):
    """Take one project back from this key; the subcontractor's copy closes on its next refresh."""
    actor = as_actor(request.user)
    link = selectors.share_get(actor, pk)
    project_id = posted_id(request.POST.get("project"))
    hand_over = selectors.link_hand_overs(actor, link).filter(project_id=project_id).first()
    if hand_over is None:
        raise Http404("This project is not handed to this share key.")
    services.project_hand_over(project=project_get(actor, project_id), link=None, actor=actor)
    messages.success(request, f"Took {hand_over.project.name} back from {link.name}.")
    return redirect("share", link.pk)


@require_POST
@role_required(Role.COORDINATOR)
def project_hand_over(request, pk):
    """The project page's control: hand the project to a live key ("share"), or take it back."""
    actor = as_actor(request.user)
    project = project_get(actor, pk)
    link = None
    if request.POST.get("action") != "take_back":
        share_id = posted_id(request.POST.get("share"))
        if share_id is None:
            messages.error(request, "Choose the share key to hand the project to.")
            return redirect("project", project.pk)
        link = selectors.share_get(actor, share_id)
    try:
        services.project_hand_over(project=project, link=link, actor=actor)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"Handed {project.name} to {link.name}." if link else f"Took {project.name} back."
        )
    return redirect("project", project.pk)
