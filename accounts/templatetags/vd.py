"""Template helpers of the back office: role checks for showing buttons (the views enforce them)."""

from django import template

register = template.Library()


@register.filter
def has_role(user, role: str) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.account_id and user.has_role(role))


# ProjectEvent changes whose value is a list of names, not an [old, new] pair: the importer's and the task
# services' task lists (integrations/importer.py ``_sync_tasks``, projects/services.py) and published surveys.
NAME_LISTS = frozenset(
    {"tasks", "tasks_added", "tasks_archived", "added", "removed", "surveys", "surveys_added"}
)
# Changes whose value is a list of [old, new] pairs: renamed tasks.
PAIR_LISTS = frozenset({"tasks_renamed", "renamed"})


def _shown(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "—" if value in (None, "") else str(value)


def _is_pair(value) -> bool:
    return isinstance(value, list | tuple) and len(value) == 2


@register.filter
def arrow(value) -> str:
    """One ``[old, new]`` pair as "old → new"; anything else as it is."""
    if _is_pair(value):
        old, new = value
        return f"{_shown(old)} → {_shown(new)}"
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v) for v in value)
    return _shown(value)


@register.filter
def show_change(value, field: str = "") -> str:
    """A ProjectEvent change as the history shows it, by its field: a list of names ("A, B"), a list of
    renames ("A → B, C → D") or a field's ``[old, new]`` ("old → new")."""
    if not isinstance(value, list | tuple):
        return _shown(value)
    if field in NAME_LISTS:
        return ", ".join(_shown(v) for v in value)
    if field in PAIR_LISTS:
        return ", ".join(arrow(v) if _is_pair(v) else _shown(v) for v in value)
    return arrow(value)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (sorting, paging keep the filters)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


@register.filter
def format_line(event, tz) -> str:
    """An import-log line as the seeds print it, in the account's time zone."""
    return event.format_line(tz)
