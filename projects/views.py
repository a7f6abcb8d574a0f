"""The projects table and its bulk actions. The project page, which shows relays and the portal, lives in
integrations/project_views.py: it needs the integrations app, which projects may not import."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.actors import as_actor
from accounts.decorators import role_required
from accounts.models import Role
from accounts.selectors import users_visible_to
from config.posted import posted_id, posted_ids, posted_next

from . import selectors, services
from .filters import ProjectFilter
from .models import Project, ProjectStatus

PAGE_SIZE = 50
SORTABLE = [
    ("name", "Project"),
    ("due_date", "Due"),
    ("zip", "ZIP"),
    ("status", "Status"),
    ("updated_at", "Updated"),
]
BULK_ACTIONS = {
    "assign": lambda p, actor, assignee: services.project_assign(project=p, actor=actor, assignee=assignee),
    "close": lambda p, actor, assignee: services.project_close(project=p, actor=actor),
    "delete": lambda p, actor, assignee: services.project_delete(project=p, actor=actor),
}


def _integrations_of(actor):
    # Read through the foreign key: projects code never imports the integrations app (DESIGN.md §2).
    integration_model = Project._meta.get_field("integration").related_model
    return integration_model.objects.filter(account_id=actor.account_id).order_by("name").only("id", "name")


@role_required(Role.FIELD)
def project_list(request):
    actor = as_actor(request.user)
    params = request.GET.copy()
    # Open projects unless asked otherwise: what the office works on, and the status index keeps it fast.
    params.setdefault("status", ProjectStatus.OPEN)
    projects = ProjectFilter(params, queryset=selectors.project_list(actor))
    rows = projects.qs
    if request.GET.get("ordering"):
        rows = rows.order_by(*rows.query.order_by, "id")  # a stable order across pages
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": projects,
        "page": page,
        "statuses": ProjectStatus.choices,
        "integrations": _integrations_of(actor),
        "assignees": users_visible_to(actor).filter(is_active=True).only("id", "full_name", "email"),
        "sortable": SORTABLE,
        "ordering": request.GET.get("ordering", ""),
        "can_manage": actor.has_role(Role.COORDINATOR),
    }
    return render(request, "projects/list.html", context)


@require_POST
@role_required(Role.COORDINATOR)
def projects_bulk(request):
    """Assign, close or delete the ticked projects, all in one transaction (all or none)."""
    actor = as_actor(request.user)
    action = BULK_ACTIONS.get(request.POST.get("action"))
    ids = posted_ids(request.POST.getlist("ids"))
    if ids is None:  # a malformed id names no project, as another account's does not
        raise Http404("No such project.")
    back = posted_next(request, "projects")
    if action is None or not ids:
        messages.error(request, "Tick some projects and choose an action.")
        return redirect(back)
    assignee = None
    if request.POST.get("action") == "assign" and request.POST.get("assignee"):
        assignee_id = posted_id(request.POST["assignee"])
        assignee = users_visible_to(actor).filter(pk=assignee_id).first() if assignee_id else None
        if assignee is None:
            raise Http404("No such sub-user.")
    # Locked one by one in id order, the order every lock of many projects takes (no deadlock with a refresh).
    projects = list(selectors.projects_visible_to(actor).filter(pk__in=ids).order_by("pk"))
    if len(projects) != len(ids):
        raise Http404("No such project.")
    try:
        with transaction.atomic():
            for project in projects:
                action(project, actor, assignee)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{request.POST['action'].capitalize()}: {len(projects)} project(s) done.")
    return redirect(back)
