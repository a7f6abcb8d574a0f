"""`make run`'s demo: the demo account linked to the sandbox's demo vendor, whose orders show the seeds'
import messages on the first refresh."""

import io

import pytest
from django.core.management import call_command

from integrations.models import Health, Integration

from .helpers import log_lines, refresh_now

pytestmark = pytest.mark.django_db


def test_demo_links_the_sandbox_and_its_refresh_shows_the_seeds_messages(sandbox):
    sandbox.seed_demo()  # what `--seed-demo` does when bin/dev starts the sandbox
    out = io.StringIO()
    call_command("demo", fastrack_url=sandbox.url, stdout=out)
    call_command("demo", fastrack_url=sandbox.url, stdout=io.StringIO())  # idempotent
    integration = Integration.objects.get(kind="fastrack")
    assert integration.base_url == sandbox.url and integration.health == Health.OK
    assert f"-> {sandbox.url}" in out.getvalue()

    run = refresh_now(integration)
    assert run.status == "succeeded" and run.created > 0
    lines = log_lines(run)
    assert any(
        line.startswith("Ignoring duplicate serviceName 'Mandatory Survey' for Work Order") for line in lines
    )
    assert any(line.startswith("Skipping duplicate order:") for line in lines)
