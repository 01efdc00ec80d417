"""`manage.py rotate_encryption_keys`: re-encrypt every EncryptedTextField value in every
model under the first key of TOKEN_ENCRYPTION_KEYS, so older keys can then be removed."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from oauth.crypto import InvalidToken, rotate


class Command(BaseCommand):
    help = "Re-encrypt all encrypted fields with the first TOKEN_ENCRYPTION_KEYS key."

    def handle(self, *args: Any, **options: Any) -> None:
        from oauth.crypto import EncryptedTextField

        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            total += self._rotate_model(model, fields)
        self.stdout.write(f"Re-encrypted {total} value(s) with the first key.")

    def _rotate_model(self, model: Any, fields: list[Any]) -> int:
        # Work on the raw ciphertext (MultiFernet.rotate), never holding plaintext longer than
        # needed, one row at a time under a row lock.
        table = connection.ops.quote_name(model._meta.db_table)
        pk_column = connection.ops.quote_name(model._meta.pk.column)
        columns = [connection.ops.quote_name(f.column) for f in fields]
        rotated = 0
        pks = list(model._base_manager.values_list("pk", flat=True))
        for pk in pks:
            with transaction.atomic(), connection.cursor() as cursor:
                lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
                cursor.execute(
                    f"SELECT {', '.join(columns)} FROM {table} WHERE {pk_column} = %s{lock}",  # noqa: S608
                    [pk],
                )
                row = cursor.fetchone()
                if row is None:
                    continue
                updates = {}
                for column, value in zip(columns, row, strict=True):
                    if not value:
                        continue
                    try:
                        updates[column] = rotate(value)
                    except InvalidToken:
                        raise CommandError(
                            f"{model._meta.label} pk={pk}: a value matches none of the keys"
                        ) from None
                if updates:
                    assignments = ", ".join(f"{c} = %s" for c in updates)
                    cursor.execute(
                        f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s",  # noqa: S608
                        [*updates.values(), pk],
                    )
                    rotated += len(updates)
        return rotated
