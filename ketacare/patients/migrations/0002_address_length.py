# An address is at most 500 characters (ketacare.text_input.ADDRESS_MAX_LENGTH), in the form, the API
# and here in the database.

import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models


def refuse_if_too_long(apps, schema_editor):
    """Nothing is cut short: an installation that stored a longer address is told which records to fix."""
    Patient = apps.get_model("patients", "Patient")
    too_long = list(
        Patient.objects.annotate(n=django.db.models.functions.text.Length("address"))
        .filter(n__gt=500)
        .values_list("pk", flat=True)[:50]
    )
    if too_long:
        raise RuntimeError(
            "These patients' addresses are longer than 500 characters; shorten them (for example with "
            f"`ketacare manage shell`) and migrate again: patient ids {too_long}"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(refuse_if_too_long, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="historicalpatient",
            name="address",
            field=models.TextField(blank=True, max_length=500),
        ),
        migrations.AlterField(
            model_name="patient",
            name="address",
            field=models.TextField(blank=True, max_length=500),
        ),
        migrations.AddConstraint(
            model_name="patient",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("address"), 500
                ),
                name="address_not_too_long",
                violation_error_message="The address is too long: at most 500 characters.",
            ),
        ),
    ]
