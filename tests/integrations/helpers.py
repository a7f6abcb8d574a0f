from integrations.fastrack.sandbox.testing import make_order
from integrations.models import IntegrationEvent
from integrations.refresh import execute_run, request_refresh

__all__ = ["log_lines", "make_order", "refresh_now"]


def refresh_now(integration, *, full=False):
    """Run a refresh in this process, as `manage.py refresh` does, and return the finished run."""
    run, created = request_refresh(integration=integration, full=full, trigger="command", enqueue=False)
    assert created, f"a run was already active: {run.status}"
    finished = execute_run(run_id=run.pk)
    assert finished is not None
    return finished


def log_lines(run):
    return list(
        IntegrationEvent.objects.filter(run=run)
        .order_by("created_at", "id")
        .values_list("message", flat=True)
    )
