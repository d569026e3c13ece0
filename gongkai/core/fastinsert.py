"""Insert a few rows of different tables in one round trip, with SQL compiled once.

``Model.save()`` compiles its INSERT on every call (Django builds the statement, placeholders and
quoting each time) and each save is its own round trip. The public intake writes two or three
rows per appeal (the order, its SMS and e-mail), and on the benchmark's 2 cores that compiling and
those round trips were most of an appeal's cost. Here:

- :func:`allocate_ids` takes primary keys from the tables' sequences up front (PostgreSQL), so
  rows that refer to each other can be written together;
- :func:`insert_together` writes the objects in ONE statement on PostgreSQL (a chain of
  data-modifying CTEs, atomic as any single statement) and, elsewhere, one INSERT per object inside
  a transaction (SQLite is in-process: no round trips to save).

Values are converted exactly as ``save()`` converts them (``pre_save`` then ``get_db_prep_save``
of each concrete field), so defaults, ``auto_now`` and JSON fields behave the same. Signals
(``pre_save``/``post_save``) are NOT sent and model ``save()`` overrides are NOT called: use this
only for models whose ``save()`` adds nothing (callers say which).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from functools import cache
from typing import Any

from django.db import connections, models, transaction
from django.db.models.base import ModelState

from gongkai.core.db import hot_cursor

# Fields whose database value is the Python value itself when it is of these types (what
# ``get_db_prep_save`` returns for them too); anything else goes through ``get_db_prep_save``.
_PLAIN: dict[type, tuple[type, ...]] = {
    models.CharField: (str,),
    models.EmailField: (str,),
    models.SlugField: (str,),
    models.URLField: (str,),
    models.TextField: (str,),
    models.BooleanField: (bool,),
    models.IntegerField: (int,),
    models.BigIntegerField: (int,),
    models.SmallIntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,),
    models.PositiveBigIntegerField: (int,),
}


@cache
def _plan(
    model: type[models.Model], vendor: str, with_pk: bool
) -> tuple[str, tuple[tuple[models.Field, str, tuple[type, ...]], ...]]:
    """``("INSERT INTO t (a, b) VALUES (%s, %s)", ((field, attname, plain types), …))``."""
    from django.db import connections as all_connections

    opts = model._meta
    fields = [
        field
        for field in opts.local_concrete_fields
        if not getattr(field, "generated", False) and (with_pk or not field.primary_key)
    ]
    connection = next(c for c in all_connections.all(initialized_only=False) if c.vendor == vendor)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    sql = f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
    plan = []
    for field in fields:
        plain: tuple[type, ...] = ()
        if field.is_relation:
            plain = (int, type(None))  # a foreign key's attname holds the raw key
        elif type(field) in _PLAIN:
            plain = (*_PLAIN[type(field)], type(None))
        elif (
            type(field) in _NONE_IS_NULL
            and not getattr(field, "auto_now", False)
            and not getattr(field, "auto_now_add", False)
        ):
            # pre_save matters only for auto_now/auto_now_add date fields (and file fields).
            plain = (type(None),)
        plan.append((field, field.attname, plain))
    return sql, tuple(plan)


#: Fields whose database value for ``None`` is NULL (``get_db_prep_save(None)`` is ``None``),
#: unless ``auto_now``/``auto_now_add`` fills them in ``pre_save``. Not JSONField (``None`` may
#: be JSON ``null``) nor file fields.
_NONE_IS_NULL: frozenset[type] = frozenset(
    {
        models.DateTimeField,
        models.DateField,
        models.TimeField,
        models.DecimalField,
        models.FloatField,
        models.UUIDField,
        models.GenericIPAddressField,
        models.DurationField,
    }
)


def _params(
    obj: models.Model, plan: Sequence[tuple[models.Field, str, tuple[type, ...]]], connection: Any
) -> list[Any]:
    params = []
    values = obj.__dict__
    for field, attname, plain in plan:
        value = values.get(attname)
        if type(value) in plain:
            params.append(value)
        else:
            params.append(field.get_db_prep_save(field.pre_save(obj, True), connection=connection))
    return params


@cache
def _blank(
    model: type[models.Model],
) -> tuple[dict[str, Any], tuple[tuple[str, Any], ...], dict[str, str], frozenset[str]]:
    """What ``Model()`` sets: each concrete field's default by attname (the constant ones), the
    callable defaults, each relation's name → attname, and every attname."""
    constant: dict[str, Any] = {}
    computed: list[tuple[str, Any]] = []
    relations: dict[str, str] = {}
    for field in model._meta.concrete_fields:
        if field.is_relation:
            relations[field.name] = field.attname
        if field.has_default() and callable(field.default):
            computed.append((field.attname, field.default))
        else:
            constant[field.attname] = field.get_default()
    known = frozenset(field.attname for field in model._meta.concrete_fields)
    return constant, tuple(computed), relations, known


def new(model: type[models.Model], **values: Any) -> models.Model:
    """An unsaved ``model(**values)`` for :func:`insert_together` and :func:`insert_new_together`,
    built without ``Model.__init__``'s per-field work (it was as costly as the rest of the public
    intake's write): the same ``__dict__`` (defaults for what is not given, a related object's key
    under its attname and the object in the relation cache), but no ``pre_init``/``post_init``
    signal, so only for models without receivers of those (a test holds both equal)."""
    constant, computed, relations, known = _blank(model)
    obj = model.__new__(model)
    state = ModelState()
    fields = dict(constant)
    for attname, default in computed:
        fields[attname] = default()
    for name, value in values.items():
        relation = relations.get(name)
        if relation is None:
            if name not in known:
                raise TypeError(f"{model.__name__}() got an unexpected keyword argument '{name}'")
            fields[name] = value
        elif isinstance(value, models.Model):
            fields[relation] = value.pk
            state.fields_cache[name] = value
        elif value is None:
            fields[relation] = None
            state.fields_cache[name] = None
        else:  # as the related descriptor refuses it
            raise ValueError(f'"{name}" must be a model instance or None (the key goes in "{relation}").')
    obj.__dict__.update(fields)
    obj._state = state
    return obj


@cache
def _sequence_sql(table: str, column: str) -> str:
    return f"nextval(pg_get_serial_sequence('{table}', '{column}'))"


def allocate_ids_sql(model: type[models.Model]) -> str:
    """A SQL expression that takes the next primary key of ``model`` (PostgreSQL only)."""
    pk = model._meta.pk
    assert pk is not None
    return _sequence_sql(model._meta.db_table, str(pk.column))


def insert_together(objs: Sequence[models.Model], *, using: str = "default") -> None:
    """INSERT ``objs`` (each with its primary key already set on PostgreSQL) as one atomic write.

    On PostgreSQL every object must have its primary key (see :func:`allocate_ids_sql`); elsewhere
    an object without one gets it from the INSERT (``RETURNING``), in order, so later objects can
    be given it before they are written only if the caller writes them in separate calls.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        parts: list[str] = []
        params: list[Any] = []
        for index, obj in enumerate(objs):
            if obj.pk is None:
                raise ValueError("insert_together needs primary keys on PostgreSQL (allocate_ids_sql)")
            insert, plan = _plan(type(obj), connection.vendor, True)
            parts.append(insert if index == len(objs) - 1 else f"w{index} AS ({insert})")
            params.extend(_params(obj, plan, connection))
        sql = parts[-1] if len(parts) == 1 else "WITH " + ", ".join(parts[:-1]) + " " + parts[-1]
        # Prepared once per connection (a wide INSERT costs more to parse and plan than to run).
        with hot_cursor(using) as cursor:
            cursor.execute(sql, params)
        for obj in objs:
            obj._state.adding = False
            obj._state.db = using
        return
    _insert_elsewhere(objs, connection, using)


@cache
def _plan_select(
    model: type[models.Model], vendor: str
) -> tuple[str, tuple[tuple[models.Field, str, tuple[type, ...]], ...]]:
    """``("INSERT INTO t (a, b) SELECT %s, %s", plan)``: the INSERT with its values as a SELECT, to
    which a ``WHERE`` or ``FROM`` can be added."""
    sql, plan = _plan(model, vendor, True)
    head, _values, placeholders = sql.rpartition(" VALUES (")
    return f"{head} SELECT {placeholders[:-1]}", plan


def insert_new_together(
    objs: Sequence[models.Model],
    *,
    condition: tuple[str, Sequence[Any]] | None = None,
    using: str = "default",
) -> bool:
    """INSERT ``objs`` (primary keys set) in ONE statement, unless the first would break a unique
    constraint or ``condition`` is false; return whether they were written (PostgreSQL only).

    The first row is inserted with ``ON CONFLICT DO NOTHING`` (any unique constraint or index) and
    only when ``condition`` (``(sql, params)``, a boolean SQL expression) holds; every other row
    is inserted only if the first was. So the caller learns in one round trip that a retry's row
    exists already, or that what ``condition`` checks no longer holds, and nothing is written.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise NotImplementedError("insert_new_together is PostgreSQL's (ON CONFLICT in a CTE chain)")
    parts: list[str] = []
    params: list[Any] = []
    for index, obj in enumerate(objs):
        if obj.pk is None:
            raise ValueError("insert_new_together needs primary keys (allocate_ids_sql)")
        insert, plan = _plan_select(type(obj), connection.vendor)
        row = _params(obj, plan, connection)
        if index == 0:
            if condition is not None:
                insert += f" WHERE {condition[0]}"
            parts.append(f"w0 AS ({insert} ON CONFLICT DO NOTHING RETURNING 1)")
            params.extend(row)
            if condition is not None:
                params.extend(condition[1])
        else:
            parts.append(f"w{index} AS ({insert} FROM w0)")
            params.extend(row)
    sql = "WITH " + ", ".join(parts) + " SELECT count(*) FROM w0"  # noqa: S608 - our identifiers
    with hot_cursor(using) as cursor:
        cursor.execute(sql, params)
        (written,) = cursor.fetchone()
    if written:
        for obj in objs:
            obj._state.adding = False
            obj._state.db = using
    return bool(written)


def _insert_elsewhere(objs: Sequence[models.Model], connection: Any, using: str) -> None:
    # One INSERT is atomic by itself; several share a transaction (a savepoint inside one).
    with transaction.atomic(using=using) if len(objs) > 1 else nullcontext():
        for obj in objs:
            with_pk = obj.pk is not None
            sql, plan = _plan(type(obj), connection.vendor, with_pk)
            pk = type(obj)._meta.pk
            assert pk is not None
            if not with_pk:
                sql += f" RETURNING {connection.ops.quote_name(str(pk.column))}"
            with connection.cursor() as cursor:
                cursor.execute(sql, _params(obj, plan, connection))
                if not with_pk:
                    obj.pk = cursor.fetchone()[0]
            obj._state.adding = False
            obj._state.db = using
