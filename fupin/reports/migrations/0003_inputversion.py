"""The change versions of the tables kept pages read besides the registry, and the triggers that move them.

As registry 0002: triggers, so that no write path can forget them; statement-level on PostgreSQL, row-level
on SQLite; transactional, so a rolled-back write leaves its version unchanged.
"""

from django.db import migrations, models

TABLES = (
    "regions_region",
    "regions_regionpopulation",
    "policy_parameter",
    "monitoring_case",
    "monitoring_alert",
    "assistance_planmeasure",
)


def bump(table: str) -> str:
    return f"UPDATE reports_inputversion SET version = version + 1 WHERE \"table\" = '{table}'"


def create(apps, schema_editor):
    apps.get_model("reports", "InputVersion").objects.bulk_create(
        [apps.get_model("reports", "InputVersion")(table=t, version=0) for t in TABLES]
    )
    run = schema_editor.execute
    for t in TABLES:
        if schema_editor.connection.vendor == "postgresql":
            run(
                f"CREATE FUNCTION {t}_input_version() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN {bump(t)}; RETURN NULL; END $$"
            )
            run(
                f"CREATE TRIGGER {t}_input_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {t} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {t}_input_version()"
            )
        else:
            for event in ("INSERT", "UPDATE", "DELETE"):
                run(f"CREATE TRIGGER {t}_{event.lower()}_input_version AFTER {event} ON {t} BEGIN {bump(t)}; END")


def drop(apps, schema_editor):
    run = schema_editor.execute
    for t in TABLES:
        if schema_editor.connection.vendor == "postgresql":
            run(f"DROP TRIGGER IF EXISTS {t}_input_version ON {t}")
            run(f"DROP FUNCTION IF EXISTS {t}_input_version()")
        else:
            for event in ("insert", "update", "delete"):
                run(f"DROP TRIGGER IF EXISTS {t}_{event}_input_version")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_labels_from_code_lists"),
        ("regions", "0003_poverty_status_exit_year"),
        ("monitoring", "0004_alert_counts"),
        ("policy", "0001_initial"),
        ("assistance", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="InputVersion",
            fields=[
                ("table", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("version", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(create, drop),
    ]
