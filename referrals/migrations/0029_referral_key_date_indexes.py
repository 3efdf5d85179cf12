# The lists sorted by key date (`models.indexes.KEY_DATE`), for all of Flanders, an OCMW and a
# region: PostgreSQL only (see _postgres.py). Written by hand: the expression as it is today.

import django.db.models.functions.datetime
from django.db import migrations, models

from ._postgres import AddIndexOnPostgres

KEY_DATE = models.Case(
    models.When(state="candidate", then=models.F("applied_on")),
    models.When(state="agreed", then=models.F("agreed_on")),
    models.When(
        state="intake_planned", then=django.db.models.functions.datetime.TruncDate("intake_at")
    ),
    models.When(state="admitted", then=models.F("probable_start_date")),
    models.When(state="in_training", then=models.F("start_date")),
    models.When(state="ended", then=models.F("end_date")),
    output_field=models.DateField(),
)


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0028_search_indexes"),
    ]

    operations = [
        AddIndexOnPostgres(
            model_name="referral",
            index=models.Index(KEY_DATE, models.F("id"), name="referral_key_date"),
        ),
        AddIndexOnPostgres(
            model_name="referral",
            index=models.Index(
                models.F("ocmw"), KEY_DATE, models.F("id"), name="referral_ocmw_key_date"
            ),
        ),
        AddIndexOnPostgres(
            model_name="referral",
            index=models.Index(
                models.F("region"), KEY_DATE, models.F("id"), name="referral_region_key_date"
            ),
        ),
    ]
