"""The history as written, and what an import paid for on every row that nothing needs.

- Change.before/after become PostgreSQL's `json` (text kept as written) instead of jsonb;
- Change.user/household/batch lose their foreign-key constraints (the fields stay, with their indexes);
- HouseholdYear.household loses its own index: uniq_household_year (household, year) serves it;
- PostgreSQL: the `varchar_pattern_ops` twins Django adds for LIKE 'prefix%' go where no query makes one:
  an ID number is only ever looked up whole, a head's name searched inside (LIKE '%…%', which no index
  serves), a status compared whole. (household_no and village_id keep theirs: searches and region
  subtrees use them.)

On SQLite only the index is dropped: the JSON columns are text there already, its foreign-key checks are
cheap, and Django would rebuild registry_change (copying the whole history) once for each altered field.
Rebuilding registry_householdyear would also drop the registry version trigger of migration 0002, so the
index goes with a plain DROP INDEX on both databases.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import fupin.registry.models


UNUSED_PATTERN_INDEXES = (
    ("registry_member", "id_number"),
    ("registry_household", "head_name"),
    ("registry_householdyear", "status"),
)


def _names(schema_editor, table: str, *, foreign_key: bool = False, index_on: list[str] | None = None):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return sorted(
        name
        for name, c in constraints.items()
        if (foreign_key and c["foreign_key"])
        or (index_on is not None and c["index"] and not c["unique"] and c["columns"] == index_on)
    )


def forward(apps, schema_editor):
    quote = schema_editor.quote_name
    for name in _names(schema_editor, "registry_householdyear", index_on=["household_id"]):
        schema_editor.execute(f"DROP INDEX {quote(name)}")
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in UNUSED_PATTERN_INDEXES:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
                [table, f"%({column} varchar_pattern_ops)%"],
            )
            names = [row[0] for row in cursor.fetchall()]
        for name in names:
            schema_editor.execute(f"DROP INDEX {quote(name)}")
    for name in _names(schema_editor, "registry_change", foreign_key=True):
        schema_editor.execute(f"ALTER TABLE registry_change DROP CONSTRAINT {quote(name)}")
    schema_editor.execute(
        "ALTER TABLE registry_change ALTER COLUMN before TYPE json USING before::json, "
        "ALTER COLUMN after TYPE json USING after::json"
    )


def backward(apps, schema_editor):
    schema_editor.execute(
        "CREATE INDEX registry_householdyear_household_id_04d99e81 ON registry_householdyear (household_id)"
    )
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in UNUSED_PATTERN_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX {table}_{column}_like ON {table} ({column} varchar_pattern_ops)"
        )
    schema_editor.execute(
        "ALTER TABLE registry_change ALTER COLUMN before TYPE jsonb USING before::jsonb, "
        "ALTER COLUMN after TYPE jsonb USING after::jsonb"
    )
    for column, target in (
        ("user_id", "accounts_user"),
        ("household_id", "registry_household"),
        ("batch_id", "registry_importbatch"),
    ):
        schema_editor.execute(
            f"ALTER TABLE registry_change ADD CONSTRAINT registry_change_{column}_fk FOREIGN KEY ({column}) "
            f"REFERENCES {target} (id) DEFERRABLE INITIALLY DEFERRED"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0002_registry_version"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward, backward)],
            state_operations=[
                migrations.AlterField(
                    model_name="change",
                    name="after",
                    field=fupin.registry.models.LogJSONField(blank=True, null=True),
                ),
                migrations.AlterField(
                    model_name="change",
                    name="before",
                    field=fupin.registry.models.LogJSONField(blank=True, null=True),
                ),
                migrations.AlterField(
                    model_name="change",
                    name="batch",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to="registry.importbatch",
                    ),
                ),
                migrations.AlterField(
                    model_name="change",
                    name="household",
                    field=models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="changes",
                        to="registry.household",
                    ),
                ),
                migrations.AlterField(
                    model_name="change",
                    name="user",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="householdyear",
                    name="household",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="years",
                        to="registry.household",
                    ),
                ),
            ],
        )
    ]
