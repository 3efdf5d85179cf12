"""Load a realistic demo of the OKOT flow: two OCMWs, VDAB Oost-Vlaanderen, their users,
a training catalogue, clients and referrals in every state.

Idempotent: everything is looked up by its natural key and every demo referral carries
`external_id="demo-<n>"`, so a second run creates nothing (it only resets the password when
one is given). The referrals are the stories of `demo_stories`, played through
`referrals.services` only, so each has a real history and in-app messages (but no e-mails)."""

import datetime
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts import two_factor
from accounts.models import Organisation, Province, Role
from referrals import services
from referrals.enums import (
    VDAB_REGISTRATION,
    VDAB_REGISTRATION_STATES,
    OkotType,
    State,
    TrainingMode,
)
from referrals.management.demo_data import (
    CASEWORKERS,
    CATALOGUE,
    CLIENTS,
    CONSENT_WITHDRAWN_BY,
    COUNSELLOR,
    INACTIVE_TRAININGS,
    INFO_SESSIONS,
    ORGANISATIONS,
    POSTCODES,
    START_MOMENTS,
    TRAININGS,
    USERS,
    WEEK,
    WORK_EXPERIENCES,
    at,
    day,
    insz,
    mail_name,
    ocmw_key,
)
from referrals.management.demo_stories import play, stories
from referrals.models import (
    Client,
    InfoSession,
    Referral,
    StartMoment,
    TemporaryWorkExperience,
    Training,
)
from referrals.signals import replaying_history


class Command(BaseCommand):
    help = (
        "Load demo organisations, users, trainings, clients and referrals in every state. "
        "Safe to run again: what exists is left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="Password for every demo user (also reset on existing users). Without it, "
            "new users get a generated password and existing users keep theirs.",
        )

    def handle(self, *args, password: str | None = None, **options):
        today = timezone.localdate()
        with transaction.atomic():
            organisations = self._organisations()
            users, new_users = self._users(organisations)
            trainings = self._trainings(users[COUNSELLOR], today)
            the_stories = stories(today)
            clients = self._clients(organisations, users, the_stories, today)
            # The stories happened in the past: their messages go to the inboxes, and
            # nobody is e-mailed about them today.
            with replaying_history():
                created = self._referrals(the_stories, clients, trainings, users, today)
                self._withdrawn_consent(clients, users, today)
                self._vdab_registration(users, today)
            password_message = self._passwords(users, new_users, password)
            second_factors = self._second_factors(users, renew=password is not None)

        counts = dict(Referral.objects.values_list("state").annotate(n=Count("pk")).order_by())
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(organisations)} organisations, {len(users)} users, "
                f"{len(trainings)} trainings, {len(clients)} clients, "
                f"{created} new referrals ({len(the_stories) - created} already there)."
            )
        )
        self.stdout.write("Referrals per state:")
        for state in State:
            self.stdout.write(f"  {state.value:<15} {counts.get(state.value, 0):>3}")
        self.stdout.write(f"Demo users: {', '.join(users)}")
        self.stdout.write(self.style.WARNING(password_message))
        for line in second_factors:
            self.stdout.write(self.style.WARNING(line))

    # --- reference data, looked up by natural key ------------------------------------------

    def _organisations(self) -> dict[str, Organisation]:
        organisations = {}
        for key, (name, kind, municipality, domain, phone) in ORGANISATIONS.items():
            organisations[key], _ = Organisation.objects.get_or_create(
                name=name,
                defaults={
                    "kind": Organisation.Kind(kind),
                    "municipality": municipality,
                    "province": Province.OOST_VLAANDEREN,
                    "email": f"info@{domain}",
                    "phone": phone,
                },
            )
        return organisations

    def _users(self, organisations) -> tuple[dict, list]:
        User = get_user_model()
        users, new_users = {}, []
        for username, first, last, phone, org_key, role in USERS:
            domain = ORGANISATIONS[org_key][3] if org_key else "okot-beheer.example"
            is_admin = role == Role.ADMINISTRATOR
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{mail_name(first, last)}@{domain}",
                    "work_phone": phone,
                    "organisation": organisations.get(org_key),
                    "is_staff": is_admin,
                    "is_superuser": is_admin,
                },
            )
            user.groups.add(Group.objects.get(name=role))
            users[username] = user
            if created:
                new_users.append(user)
        return users, new_users

    def _passwords(self, users: dict, new_users: list, password: str | None) -> str:
        if password is None and not new_users:
            return (
                "The demo users already existed; their passwords are unchanged "
                "(give --password to set one)."
            )
        chosen = password or secrets.token_urlsafe(12)
        for user in users.values() if password else new_users:
            user.set_password(chosen)
            user.save(update_fields=["password"])
        if password:
            return "All demo users have the password given with --password."
        if len(new_users) < len(users):
            names = ", ".join(user.username for user in new_users)
            return f"Password for the new demo users ({names}): {chosen}"
        return f"Password for all demo users: {chosen}"

    def _second_factors(self, users: dict, *, renew: bool) -> list[str]:
        """Administrators log in with a second factor, the demo's too: each gets an
        authenticator app (when it has none, or anew with --password) whose key is printed,
        with backup codes for whoever has no app at hand."""
        lines = []
        for user in users.values():
            if not two_factor.second_factor_required(user):
                continue
            if two_factor.has_second_factor(user) and not renew:
                lines.append(
                    f"{user.username}: second factor unchanged (give --password to renew)."
                )
                continue
            two_factor.remove_second_factor(user)
            device = two_factor.pending_app_device(user)
            codes = two_factor.confirm_app_device(device)
            lines += [
                f"{user.username} also needs a code: add this key to an authenticator app "
                f"(time-based, 6 digits): {two_factor.secret_text(device)}",
                f"  or scan/open: {device.config_url}",
                f"  or use a backup code (each works once): {', '.join(codes)}",
            ]
        return lines

    def _trainings(self, counsellor, today) -> dict[str, Training]:
        trainings = {}
        for key, (title, okot_type, institution, location, months, hours) in TRAININGS.items():
            mode, occupation, field_of_study = CATALOGUE[key]
            trainings[key], _ = Training.objects.get_or_create(
                title=title,
                location=location,
                defaults={
                    "okot_type": OkotType(okot_type),
                    "mode": TrainingMode(mode),
                    "shortage_occupation": occupation,
                    "shortage_list_year": today.year if occupation else None,
                    "field_of_study": field_of_study,
                    "institution": institution,
                    "province": Province.OOST_VLAANDEREN,
                    "contact_counsellor": counsellor,
                    "duration_months": months,
                    "hours_per_week": hours,
                    "active": key not in INACTIVE_TRAININGS,
                },
            )
        self._start_moments_and_info_sessions(trainings, today)
        return trainings

    def _start_moments_and_info_sessions(self, trainings, today) -> None:
        """Dated from today, for a training that has none yet (run again later, the demo
        keeps the dates it had)."""
        has_start_moments = set(StartMoment.objects.values_list("training_id", flat=True))
        for key, weeks, location, places in START_MOMENTS:
            if trainings[key].pk not in has_start_moments:
                StartMoment.objects.create(
                    training=trainings[key],
                    starts_on=today + weeks * WEEK,
                    location=location,
                    places_available=places,
                )
        has_info_sessions = set(InfoSession.objects.values_list("training_id", flat=True))
        for key, days, hour, online, location in INFO_SESSIONS:
            if trainings[key].pk not in has_info_sessions:
                InfoSession.objects.create(
                    training=trainings[key],
                    starts_at=at(today + datetime.timedelta(days=days), hour),
                    online=online,
                    location=location,
                    registration_url=f"https://www.vdab.example/infosessie/{key}" if online else "",
                )

    def _clients(self, organisations, users, the_stories, today) -> dict[str, Client]:
        first_agreement = {}
        for story in the_stories:
            if story.agreed:
                first_agreement[story.client] = min(
                    story.agreed, first_agreement.get(story.client, story.agreed)
                )
        clients = {}
        for number, (key, row) in enumerate(CLIENTS.items()):
            first, last, gender, born, street, postcode = row
            index = int(key[1:])
            consent_on = first_agreement.get(key, today - 8 * WEEK) - 3 * WEEK
            registered = index % 5 != 4  # a few are registered by VDAB after the agreement
            clients[key], _ = Client.objects.get_or_create(
                ocmw=organisations[ocmw_key(key)],
                insz=insz(day(born), 2 * (10 + number) + (gender == "M")),
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "phone": f"04{70 + number % 30} {number * 37 % 90 + 10} "
                    f"{number * 53 % 90 + 10} {number * 71 % 90 + 10}",
                    "email": f"{mail_name(first, last)}@example.com",
                    "street": street,
                    "postal_code": postcode,
                    "municipality": POSTCODES[postcode],
                    "registered_job_seeker": registered,
                    "vdab_client_number": f"{4_100_000 + 7919 * number}" if registered else "",
                    "gpmi": index % 4 != 3,
                    "gpmi_date": consent_on - 2 * WEEK if index % 4 != 3 else None,
                },
            )
            if not clients[key].consents.exists():
                services.consent_give(
                    client=clients[key],
                    user=users[CASEWORKERS[ocmw_key(key)]],
                    given_on=consent_on,
                    document_reference=f"TOESTEMMING-{consent_on.year}-{number + 1:04d}",
                    at=at(consent_on, 10),
                )
        for key, start, end, workplace in WORK_EXPERIENCES:
            client = clients[key]
            TemporaryWorkExperience.objects.get_or_create(
                client=client,
                start_date=day(start),
                defaults={
                    "end_date": day(end),
                    "employer": workplace,
                    "created_by": users[CASEWORKERS[ocmw_key(key)]],
                },
            )
        return clients

    def _withdrawn_consent(self, clients, users, today) -> None:
        """One client withdraws the consent after the formal agreement: the banner on her
        pages, the blocked agreement and the counsellor's message show what that does."""
        client = clients[CONSENT_WITHDRAWN_BY]
        if client.consents.withdrawn().exists():
            return
        services.consent_withdraw(
            client=client,
            user=users[CASEWORKERS[ocmw_key(CONSENT_WITHDRAWN_BY)]],
            withdrawn_on=today - datetime.timedelta(days=1),
            at=at(today - datetime.timedelta(days=1), 15),
        )

    def _vdab_registration(self, users, today) -> None:
        """VDAB registers one client who was not yet a job seeker, after the agreement: the
        caseworker's message, the line in the timeline and on the client page. The others
        still wait, so the counsellor sees the form on their referrals."""
        waiting = (
            Referral.objects.filter(
                external_id__startswith="demo-",
                state__in=VDAB_REGISTRATION_STATES,
                client__registered_job_seeker=False,
                client__consent_vdab=True,
            )
            .select_related("client", "training")
            .order_by("agreed_on", "pk")
            .first()
        )
        if (
            waiting is None
            or Referral.objects.filter(
                external_id__startswith="demo-", events__transition=VDAB_REGISTRATION
            ).exists()
        ):
            return
        services.referral_record_vdab_registration(
            referral=waiting,
            user=users[COUNSELLOR],
            registered_job_seeker=True,
            vdab_client_number=f"{5_200_000 + waiting.client_id * 7919}",
            at=at(waiting.agreed_on + WEEK, 11) if waiting.agreed_on + WEEK < today else None,
        )

    # --- referrals, step by step through the services --------------------------------------

    def _referrals(self, the_stories, clients, trainings, users, today) -> int:
        existing = set(
            Referral.objects.filter(external_id__startswith="demo-").values_list(
                "external_id", flat=True
            )
        )
        created = 0
        for story in the_stories:
            if f"demo-{story.n}" in existing:
                continue
            client = clients[story.client]
            caseworker = users[CASEWORKERS[ocmw_key(story.client)]]
            try:
                play(
                    story,
                    client=client,
                    training=trainings[story.training],
                    caseworker=caseworker,
                    counsellor=users[COUNSELLOR],
                    today=today,
                )
            except (services.TransitionRefused, ValidationError) as exc:
                raise CommandError(f"Demo referral {story.n} ({client}): {exc}") from exc
            created += 1
        return created
