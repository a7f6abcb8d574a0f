"""config/db.py: the importer's bulk inserts keep every value exactly, whatever characters it holds."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.actors import Actor
from config.db import insert_rows
from projects.models import EventType, Project, ProjectEvent, Task

pytestmark = pytest.mark.django_db

AWKWARD = [
    "tab\there",
    "line\nbreak\r\nand return",
    "back\\slash \\N \\t",
    "ünïcødé — 東京 🏚",
    "",
    "\\",
]


def test_rows_round_trip_exactly(account):
    now = datetime.datetime(2026, 12, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC)
    rows = [
        {
            "name": f"P{i}",
            "source_ref": str(i),
            "instructions": text,
            "city": text[:100],
            "latitude": Decimal("-12.345678") if i % 2 else None,
            "due_date": datetime.date(2026, 1, i + 1),
            "check_in_required": bool(i % 2),
        }
        for i, text in enumerate(AWKWARD)
    ]
    with CaptureQueriesContext(connection) as ctx:
        ids = insert_rows(Project, rows, common={"account_id": account.pk, "created_at": now})
    assert len(ctx.captured_queries) <= 2  # counted like any statement: ids, then the rows
    assert ids == sorted(ids) and len(set(ids)) == len(rows)
    stored = {p.pk: p for p in Project.objects.filter(pk__in=ids)}
    for pk, row in zip(ids, rows, strict=True):
        project = stored[pk]
        for key, value in row.items():
            assert getattr(project, key) == value, key
        assert project.created_at == now and project.account_id == account.pk
        assert project.status == "open" and project.last_event_sequence == 0  # the fields' defaults

    insert_rows(
        Task,
        [{"project_id": pk, "name": f"Service {n}", "position": n} for pk in ids for n in range(2)],
        returning=False,
    )
    assert Task.objects.filter(project_id__in=ids).count() == 2 * len(ids)


def test_subclasses_of_the_plain_types_are_encoded_as_their_base():
    from config.db import _copy_text

    class Moment(datetime.datetime):  # what a time-freezing library hands out
        pass

    moment = Moment(2026, 12, 2, 4, 5, 6, tzinfo=datetime.UTC)
    assert _copy_text(moment) == "2026-12-02T04:05:06+00:00"
    assert _copy_text(EventType.CREATED) == "project.created"
    assert _copy_text(True) == "t" and _copy_text(0) == "0" and _copy_text(None) == "\\N"
    with pytest.raises(TypeError, match="cannot COPY a object"):
        _copy_text(object())


def test_json_values_round_trip(account):
    project = Project.objects.create(account=account, name="J")
    changes = {"instructions": ["a\tb\nc", 'quote " and \\ backslash'], "tasks": ["東京"], "n": 1.5}
    actor = Actor.importer(account, "AFS")
    insert_rows(
        ProjectEvent,
        [{"project_id": project.pk, "sequence": 1, "changes": changes}],
        common={"account_id": account.pk, "type": EventType.CREATED, "actor_kind": actor.kind},
        returning=False,
    )
    assert ProjectEvent.objects.get(project=project).changes == changes


def test_per_row_random_defaults_are_refused(account, monkeypatch):
    import uuid

    # A default evaluated once per call would give every row the same "random" value.
    monkeypatch.setattr(Project._meta.get_field("source_digest"), "default", uuid.uuid4)
    with pytest.raises(ValueError, match="distinct default per row"):
        insert_rows(Project, [{"name": "U", "account_id": account.pk}])


def test_an_id_pool_draws_ever_larger_batches(postgres, account):
    from config.db import IdPool

    pool = IdPool(Project, cap=1000)
    with CaptureQueriesContext(connection) as ctx:
        taken = [pool.take(100) for _ in range(7)]  # 700 ids: draws of 100, 200, 400
    assert len(ctx.captured_queries) == 3
    flat = [pk for batch in taken for pk in batch]
    assert len(set(flat)) == 700 and flat == sorted(flat)
    rows = [{"name": f"Pooled {n}", "account_id": account.pk} for n in range(5)]
    ids = insert_rows(Project, rows, id_pool=pool)
    assert min(ids) > max(flat)  # handed out in order, never one twice
    assert Project.objects.filter(pk__in=ids).count() == 5
