"""The cost floor of bench/api.py, served by the same gunicorn as the app: ``/floor`` answers the project
list's 100 rows fetched with ``.values()`` and encoded by hand; every other path goes to Django's app.

Same settings, same database, same server; no authentication, filters, serializers or pagination count.
"""

import json
import os

from django.core.wsgi import get_wsgi_application

django_app = get_wsgi_application()

FIELDS = (
    "id",
    "name",
    "integration_id",
    "source_ref",
    "address1",
    "address2",
    "city",
    "state",
    "zip",
    "latitude",
    "longitude",
    "due_date",
    "client_status",
    "status",
    "closed_reason",
    "closed_by_hand",
    "assignee_id",
    "assignee__email",
    "assignee__full_name",
    "assignee__wms_contractor_id",
    "qa_in_field",
    "check_in_required",
    "locked",
    "created_at",
    "updated_at",
)


def floor(environ, start_response):
    from projects.models import Project

    rows = list(
        Project.objects.filter(
            account_id=int(os.environ["BENCH_ACCOUNT_ID"]),
            deleted_at__isnull=True,
            status="open",
            zip__startswith="7",
        )
        .order_by("due_date", "id")
        .values(*FIELDS)[:100]
    )
    body = json.dumps({"results": rows}, default=str).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/floor":
        return floor(environ, start_response)
    return django_app(environ, start_response)
