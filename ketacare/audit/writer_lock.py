"""One lock order for every transaction on PostgreSQL: the audit chain's lock first, then rows.

Every audited write appends to one hash chain, so writers must take the chain in turn. Taken in the
middle of a transaction (after the transaction had already locked rows), that lock deadlocked: a
vital sign held its session row and waited for the chain while a substance-use day held the chain
and waited for a row. Here the chain lock is taken by the FIRST statement of every transaction,
before any row is read or locked, so every writer waits at the same door and no two transactions
can hold locks in opposite orders. It also closes check-then-write races inside services (two
reports for one day both seeing "none yet"), since transactions run one after another.

The mechanism is a database execute wrapper installed on every new PostgreSQL connection: when a
statement is about to open a transaction (the connection is idle, inside `transaction.atomic`), it
first takes `pg_advisory_xact_lock`, which the database releases at commit or rollback. Statements
outside `atomic` (autocommit reads) take nothing. Services need no change; `record_event` takes the
same (re-entrant) lock too, for a caller that writes audit events in autocommit mode.

SQLite needs none of this: it has one writer at a time, and `transaction_mode="IMMEDIATE"` (settings)
takes the write lock at BEGIN, also before any row is read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

# Any fixed 64-bit number: the advisory lock that serialises writers of the chain on PostgreSQL.
CHAIN_LOCK_KEY = 0x4B455441_41554454
LOCK_SQL = "SELECT pg_advisory_xact_lock(%s)"


def _transaction_is_idle(connection: BaseDatabaseWrapper) -> bool:
    from psycopg.pq import TransactionStatus

    raw = connection.connection
    return raw is not None and raw.info.transaction_status == TransactionStatus.IDLE


def chain_lock_first(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    """Execute wrapper: before the statement that opens a transaction, take the chain lock."""
    connection: BaseDatabaseWrapper = context["connection"]
    if connection.in_atomic_block and _transaction_is_idle(connection):
        context["cursor"].cursor.execute(LOCK_SQL, [CHAIN_LOCK_KEY])
    return execute(sql, params, many, context)


def install(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "postgresql" and chain_lock_first not in connection.execute_wrappers:
        connection.execute_wrappers.append(chain_lock_first)


def _on_connection_created(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    install(connection)


def connect_signal() -> None:
    connection_created.connect(_on_connection_created, dispatch_uid="ketacare.audit.writer_lock")
