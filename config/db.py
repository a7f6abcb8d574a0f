"""Database helpers shared by the apps."""

import datetime
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from itertools import islice

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, models, transaction
from django.db.backends.utils import CursorDebugWrapper

# The largest id a bigint column holds: a larger number in a lookup overflows the database driver (a 500
# on PostgreSQL; SQLite cannot even compare it), so inputs naming ids are bounded by it.
MAX_ID = 2**63 - 1


@contextmanager
def unique_or(field: str, message: str):
    """Save inside this block: a unique constraint that a concurrent request won since the service checked
    (two forms sent at once) becomes the form error the check gives, not a 500. In a savepoint, so the
    caller's transaction goes on."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise ValidationError({field: message}) from exc


def insert_many(model: type[models.Model], objs: list, *, using: str = "default") -> None:
    """``bulk_create(objs)`` with far less work per row on PostgreSQL, for the importer's hot path.

    Django prepares every field of every object through its compiler (about 10 µs each); a page of 500
    orders is 3,000 rows of up to 30 fields. Here psycopg2 adapts the Python values in C and the page goes
    in as one ``INSERT … VALUES … RETURNING id``, through Django's cursor so query counts still see it.
    Objects must already hold their final values (defaults applied by ``__init__``); related objects saved
    earlier in the same call chain are resolved to their primary keys, as ``bulk_create`` does.
    """
    if not objs:
        return
    connection = connections[using]
    if connection.vendor != "postgresql":
        model.objects.using(using).bulk_create(objs)
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    quote = connection.ops.quote_name
    template = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        mogrify = cursor.cursor.mogrify
        rows = ",".join(mogrify(template, _row(o, fields, json_fields, connection)).decode() for o in objs)
        # Identifiers come from the model's metadata and values were adapted by psycopg2's mogrify.
        table, pk = quote(meta.db_table), quote(meta.pk.column)
        columns = ", ".join(quote(f.column) for f in fields)
        sql = f"INSERT INTO {table} ({columns}) VALUES {rows} RETURNING {pk}"  # noqa: S608
        cursor.execute(sql)
        ids = cursor.fetchall()
    for obj, (pk,) in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using


def _row(obj, fields, json_fields, connection) -> list:
    row = []
    for field in fields:
        value = getattr(obj, field.attname)
        if value is None and field.is_relation and field.is_cached(obj):
            related = field.get_cached_value(obj)
            value = related.pk if related is not None else None
        elif field.attname in json_fields:
            value = field.get_db_prep_save(value, connection)
        row.append(value)
    return row


class IdPool:
    """Primary keys of one table drawn from its PostgreSQL sequence ahead of need, for ``insert_rows``: a
    long import asks for ids a few times instead of once a page. Each draw doubles the one before (the
    first takes exactly what is asked), so a small import draws what it uses and a large one at most about
    twice what it uses; ids drawn and not used are gaps, as after any rolled-back insert."""

    def __init__(self, model: type[models.Model], *, cap: int = 10_000, using: str = "default"):
        self.model, self.cap, self.using = model, cap, using
        self.ids: list[int] = []
        self.next_draw = 0

    def take(self, count: int) -> list[int]:
        if len(self.ids) < count:
            wanted = max(count - len(self.ids), self.next_draw)
            self.ids.extend(_draw_ids(self.model, wanted, connections[self.using]))
            self.next_draw = min(2 * wanted, self.cap)
        taken, self.ids = self.ids[:count], self.ids[count:]
        return taken


def _draw_ids(model: type[models.Model], count: int, connection) -> list[int]:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, model._meta.pk.column, count],
        )
        return sorted(row[0] for row in cursor.fetchall())


def insert_rows(
    model: type[models.Model],
    rows: list[dict],
    *,
    common: dict | None = None,
    returning: bool = True,
    id_pool: IdPool | None = None,
    using: str = "default",
) -> list[int]:
    """Insert plain dicts (attname → value) as rows of ``model``; return the new ids in order (an empty list
    when ``returning`` is false).

    For the importer's hottest path: no model instances at all. Every row holds the same keys; ``common``
    holds the values shared by every row, and fields named in neither take the field's default, evaluated
    ONCE for the whole call (a batch shares one ``timezone.now()``), so fields whose default must differ per
    row are refused. On PostgreSQL the rows go in through ``COPY`` (ids drawn from the table's sequence first
    when they are wanted, from ``id_pool`` when one is given), which PostgreSQL loads several times faster
    than a multi-row ``INSERT`` with thousands of parameters to parse. Elsewhere it is ``bulk_create``.
    """
    if not rows:
        return []
    connection = connections[using]
    meta = model._meta
    keys = list(rows[0])
    shared = {}
    for field in meta.concrete_fields:
        if field.primary_key or field.attname in keys:
            continue
        if common and field.attname in common:
            shared[field.attname] = common[field.attname]
            continue
        if field.has_default() and getattr(field.default, "__name__", "") in ("uuid4", "uuid1"):
            raise ValueError(f"{model.__name__}.{field.name} needs a distinct default per row")
        shared[field.attname] = field.get_default()
    if connection.vendor != "postgresql":
        objs = [model(**shared, **row) for row in rows]
        model.objects.using(using).bulk_create(objs)
        return [obj.pk for obj in objs] if returning else []
    by_attname = {f.attname: f for f in meta.concrete_fields}
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), meta.pk.column
    encoders = [(k, _copy_encoder(by_attname[k])) for k in keys]
    tail = "".join("\t" + _copy_encoder(by_attname[k])(v) for k, v in shared.items()) + "\n"
    columns = [by_attname[k].column for k in [*keys, *shared]]
    with connection.cursor() as cursor:
        ids = []
        if returning:
            ids = id_pool.take(len(rows)) if id_pool else _draw_ids(model, len(rows), connection)
            columns.insert(0, pk)
            lines = (
                f"{pk_value}\t" + "\t".join([enc(row[k]) for k, enc in encoders]) + tail
                for pk_value, row in zip(ids, rows, strict=True)
            )
        else:
            lines = ("\t".join([enc(row[k]) for k, enc in encoders]) + tail for row in rows)
        # Identifiers come from the model's metadata; values are escaped for COPY's text format.
        _copy(cursor, f"COPY {table} ({', '.join(quote(c) for c in columns)}) FROM STDIN", lines)
    return ids


class _LineStream:
    """What ``copy_expert`` reads: lines made on demand, so PostgreSQL inserts the first rows while the
    next ones are still being formatted."""

    def __init__(self, lines: Iterator[str], per_read: int = 250):
        self.lines, self.per_read = lines, per_read

    def read(self, size: int = -1) -> str:
        return "".join(islice(self.lines, self.per_read))


def _copy(cursor, sql: str, lines: Iterator[str]) -> None:
    """Run ``COPY … FROM STDIN`` through Django's execute wrappers and query log, so query counts and
    instrumentation see it like any other statement."""

    def copy(sql, params, many, context):
        cursor.cursor.copy_expert(sql, _LineStream(lines), size=65536)

    if isinstance(cursor, CursorDebugWrapper):
        with cursor.debug_sql(sql):
            cursor._execute_with_wrappers(sql, None, False, executor=copy)
    else:
        cursor._execute_with_wrappers(sql, None, False, executor=copy)


# COPY's text format: backslash escapes for the characters that delimit rows and columns.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_str(value: str) -> str:
    # Most values hold none of them, and looking is far cheaper than translating.
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


# Encoders by exact type: a dict lookup per value instead of a chain of isinstance checks.
_COPY_BY_TYPE = {
    str: _copy_str,
    bool: lambda value: "t" if value else "f",
    int: str,
    float: repr,
    Decimal: str,
    uuid.UUID: str,
    datetime.datetime: datetime.datetime.isoformat,  # with its offset; before date, its base class
    datetime.date: datetime.date.isoformat,
    type(None): lambda value: "\\N",
}


def _copy_text(value) -> str:
    encode = _COPY_BY_TYPE.get(type(value))
    if encode is not None:
        return encode(value)
    for kind, encode_base in _COPY_BY_TYPE.items():  # a subclass: a str enum member, a SafeString
        if isinstance(value, kind):
            return encode_base(value)
    raise TypeError(f"cannot COPY a {type(value).__name__}")


def _copy_encoder(field):
    if isinstance(field, models.JSONField):
        encoder = field.encoder

        def encode_json(value):
            return "\\N" if value is None else _copy_str(json.dumps(value, cls=encoder))

        return encode_json
    return _copy_text
