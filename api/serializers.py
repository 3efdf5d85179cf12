"""What the API shows of each record: the same fields for everyone who may see the record,
except a client's, which are those the caller may read (`presenters.client_fields`, as on
the referral page)."""

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from accounts.models import Organisation, User
from referrals import access
from referrals.formfields import plausible_day
from referrals.models import Client, Referral, StartMoment, Training
from referrals.presenters import OCMW_CLIENT_FIELDS, REFERRAL_FIELDS, client_fields


class OrganisationRef(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind"]


class PersonRef(serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "name"]


class TrainingRef(serializers.ModelSerializer):
    class Meta:
        model = Training
        fields = ["id", "title"]


class ClientSerializer(serializers.ModelSerializer):
    """A client's details; only those the caller may read are present (VDAB reads what
    the trajectory needs, and without the client's consent only the name)."""

    class Meta:
        model = Client
        fields = ["id", *OCMW_CLIENT_FIELDS, "created_at", "updated_at"]
        extra_kwargs = {name: {"required": False} for name in fields}

    def to_representation(self, client):
        shown = super().to_representation(client)
        user = self.context["request"].user
        readable = set(client_fields(client, user))
        if access.may_read_client_file(client, user):
            readable |= {"id", "created_at", "updated_at"}
        return {name: value for name, value in shown.items() if name in readable}


class ClientFieldsAsShown(OpenApiSerializerExtension):
    """A client in the schema with none of its fields required: which are present depends
    on the caller (a counsellor reads no birth date, no id without consent), and read-only
    fields would otherwise be listed as always there."""

    target_class = ClientSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema.pop("required", None)
        return schema


def may_be_blank(name: str) -> serializers.Field:
    """A referral's field that stays empty ("") until the step that fills it: DRF drops
    `allow_blank` from read-only model fields, and the schema would then refuse the ""."""
    field = Referral._meta.get_field(name)
    kwargs = {"read_only": True, "allow_blank": True, "label": capfirst(field.verbose_name)}
    if field.choices:
        return serializers.ChoiceField(choices=field.choices, **kwargs)
    return serializers.EmailField(**kwargs)


class ReferralSerializer(serializers.ModelSerializer):
    # A field of the serializer, built once for a page: a ClientSerializer made per row
    # built its fields from the model again each time (most of a page of fifty's time).
    client = ClientSerializer(read_only=True)
    ocmw = OrganisationRef(read_only=True)
    training = TrainingRef(read_only=True)
    caseworker = PersonRef(read_only=True, allow_null=True)
    counsellor = PersonRef(read_only=True, allow_null=True)
    caseworker_email = may_be_blank("caseworker_email")
    end_result = may_be_blank("end_result")
    stop_reason = may_be_blank("stop_reason")
    obtained = may_be_blank("obtained")
    continued_by = may_be_blank("continued_by")

    class Meta:
        model = Referral
        fields = [
            "id",
            "state",
            "state_changed_at",
            "created_at",
            "updated_at",
            "external_id",
            "client",
            "ocmw",
            "training",
            "region",
            "applied_on",
            "counsellor",
            # What the referral page shows of the referral itself, in the flow's order.
            *REFERRAL_FIELDS,
        ]
        read_only_fields = fields
        # Read only: nothing to validate. (Without it DRF gives the state, a field of the
        # constraint of one open referral per client and training, a default once the
        # client is a field too: a "default" in the schema of a field nobody sends.)
        validators = []


class ReferralCreateSerializer(serializers.Serializer):
    """A new referral of one of the caller's OCMW's clients, for a training on offer."""

    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.none())
    training = serializers.PrimaryKeyRelatedField(queryset=Training.objects.none())
    apply = serializers.BooleanField(
        default=False, help_text=_("Register the candidacy at once (state “candidate”).")
    )
    applied_on = serializers.DateField(
        required=False,
        allow_null=True,
        validators=[plausible_day],  # as the page's date fields: 0001-01-01 was stored
        help_text=_("The day the client applied; empty: today."),
    )
    external_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=Referral._meta.get_field("external_id").max_length,
        help_text=_("The referral's number in your own system."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")  # none when the schema is generated
        if request is not None:
            self.fields["client"].queryset = Client.objects.visible_to(request.user)
        self.fields["training"].queryset = Training.objects.offered()


class StartMomentSerializer(serializers.ModelSerializer):
    class Meta:
        model = StartMoment
        fields = ["starts_on", "location", "places_available", "note"]


class TrainingSerializer(serializers.ModelSerializer):
    start_moments = StartMomentSerializer(many=True, read_only=True)

    class Meta:
        model = Training
        fields = [
            "id",
            "title",
            "okot_type",
            "institution",
            "location",
            "province",
            "mode",
            "shortage_occupation",
            "field_of_study",
            "duration_months",
            "hours_per_week",
            "description",
            "active",
            "start_moments",
        ]
