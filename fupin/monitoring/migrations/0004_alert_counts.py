from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0003_alert_newest_first")]

    operations = [
        migrations.AddIndex(
            model_name="alert",
            index=models.Index(
                fields=["year", "signal", "channel", "status", "region", "household"], name="alert_counts"
            ),
        ),
    ]
