"""Each deviation's `documented` flag and an overlay's `label`, written by the import from
now on; filled here from the current versions by the same rules (core.severity)."""

from django.db import migrations, models

from deviations.core.severity import documented, overlay_label

BATCH = 1000


def fill(apps, schema_editor):
    Deviation = apps.get_model("deviations", "Deviation")
    rows = Deviation.objects.filter(current_version__isnull=False).values_list(
        "id",
        "kind",
        "current_version__content",
        "current_version__description",
        "current_version__comment",
        "current_version__reason",
        "current_version__metadata",
    )
    changed = []
    for pk, kind, content, description, comment, reason, metadata in rows.iterator():
        changed.append(
            Deviation(
                pk=pk,
                documented=documented(description, comment, reason, metadata),
                label=overlay_label(content or {})[:300] if kind == "overlay" else "",
            )
        )
    Deviation.objects.bulk_update(changed, ["documented", "label"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("deviations", "0010_record_through_time"),
    ]

    operations = [
        migrations.AddField(
            model_name="deviation",
            name="documented",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="deviation",
            name="label",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddIndex(
            model_name="deviation",
            index=models.Index(fields=["documented"], name="deviation_documented_idx"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
