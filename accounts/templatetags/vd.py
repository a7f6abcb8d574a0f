"""Template helpers of the back office: role checks for showing buttons (the views enforce them)."""

from django import template

register = template.Library()


@register.filter
def has_role(user, role: str) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.account_id and user.has_role(role))


@register.filter
def arrow(value) -> str:
    """A ProjectEvent change ``[old, new]`` as "old → new"; anything else as it is."""
    if isinstance(value, list | tuple) and len(value) == 2:
        old, new = value
        return f"{'—' if old in (None, '') else old} → {'—' if new in (None, '') else new}"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


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
