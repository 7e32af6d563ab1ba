"""Plain rows in the state table, for what is not event-sourced: organizations, users, API
clients, sign-up tokens. Each is (pk, sk) with a `kind` and a JSON `body`."""
from __future__ import annotations

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from .models import StateItem, transaction_connection


class Exists(Exception):
    """A row that had to be new was already there."""


def put_record(pk: str, sk: str, kind: str, body: dict, only_if_new: bool = False) -> bool:
    """Write one row. False if `only_if_new` and it already exists."""
    try:
        StateItem(pk, sk, kind=kind, body=body).save(
            condition=StateItem.pk.does_not_exist() if only_if_new else None)
    except PutError as e:
        if only_if_new and e.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def put_new_records(rows: list[tuple[str, str, str, dict]]) -> None:
    """Write every (pk, sk, kind, body) row in one transaction, each only if new: all or
    none. Raises Exists when one of them was there already."""
    try:
        with TransactWrite(connection=transaction_connection()) as t:
            for pk, sk, kind, body in rows:
                t.save(StateItem(pk, sk, kind=kind, body=body),
                       condition=StateItem.pk.does_not_exist())
    except TransactWriteError as e:
        if e.cause_response_code != "TransactionCanceledException":
            raise
        raise Exists(str(e)) from None


def get_record(pk: str, sk: str) -> dict | None:
    try:
        return StateItem.get(pk, sk, consistent_read=True).body
    except StateItem.DoesNotExist:
        return None


def query_records(pk: str, sk_prefix: str) -> list[dict]:
    return [i.body for i in StateItem.query(pk, StateItem.sk.startswith(sk_prefix),
                                            consistent_read=True)]
