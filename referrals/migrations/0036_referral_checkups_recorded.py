# Each referral's outcome check-ups recorded, a bit each (`Referral.checkups_recorded`,
# `followup.checkup_bit`), so that Mijn werk tells the check-ups due from an index of the
# referrals (migration 0037) rather than by asking the check-ups of each referral.
#
# The bits of the check-ups recorded so far are written here: one UPDATE of the referrals
# that have any (at a million referrals, 470,000 of them: a minute or two, within this
# migration's transaction; the column itself is added without rewriting the table).
# Written by hand: the months and their bits as they are today.

from django.db import migrations, models
from django.db.models import Case, Exists, IntegerField, OuterRef, Subquery, Sum, Value, When

BITS = {3: 1, 6: 2, 9: 4, 12: 8}


def mark_recorded(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    OutcomeCheck = apps.get_model("referrals", "OutcomeCheck")
    checks = OutcomeCheck.objects.filter(referral=OuterRef("pk")).order_by()
    bit = Case(
        *(When(months=months, then=Value(bit)) for months, bit in BITS.items()),
        default=Value(0),
        output_field=IntegerField(),
    )
    # One check-up per referral and months: their sum is their bits together.
    bits = checks.values("referral").annotate(bits=Sum(bit)).values("bits")
    Referral.objects.filter(Exists(checks)).update(checkups_recorded=Subquery(bits))


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0035_referral_region_work"),
    ]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="checkups_recorded",
            field=models.PositiveSmallIntegerField(
                default=0, editable=False, verbose_name="check-ups recorded"
            ),
        ),
        migrations.RunPython(mark_recorded, migrations.RunPython.noop, elidable=True),
    ]
