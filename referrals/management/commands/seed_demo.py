"""Load a realistic demo of the OKOT flow: two OCMWs, VDAB Oost-Vlaanderen, their users,
a training catalogue, clients and referrals in every state.

Idempotent: everything is looked up by its natural key and every demo referral carries
`external_id="demo-<n>"`, so a second run creates nothing (it only resets the password when
one is given). Referrals are built through `referrals.services` only, acting as the user who
would take each step, so each has a real history and in-app messages (but no e-mails)."""

import datetime
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import Organisation, Province, Role
from referrals import services
from referrals.enums import AtWork, GuidanceTopic, OkotType, State
from referrals.management.demo_data import (
    CASEWORKERS,
    CLIENTS,
    COUNSELLOR,
    HANDOVER_NOTES,
    INACTIVE_TRAININGS,
    ORGANISATIONS,
    POSTCODES,
    PROGRESS_NOTES,
    SCREENINGS,
    SUPPORT_NOTES,
    TRAININGS,
    USERS,
    WARNING_NOTES,
    WEEK,
    WITHDRAWN_FROM,
    WORK_EXPERIENCES,
    at,
    day,
    insz,
    mail_name,
    ocmw_key,
    stories,
)
from referrals.models import (
    Client,
    EntryCondition,
    Referral,
    TemporaryWorkExperience,
    Training,
)
from referrals.signals import replaying_history


class StoryClock:
    """When each step of a demo story happened: on its business date where it has one,
    never before the previous step and never in the future."""

    def __init__(self, story, today: datetime.date):
        self.story = story
        self.now = timezone.now()
        first = story.agreed or today - datetime.timedelta(days=3 + story.n % 10)
        self.last = at(first - 2 * WEEK, 9)

    def step(self, state: str) -> datetime.datetime:
        story = self.story
        planned = {
            State.INFORMED: self.last,
            State.CANDIDATE: self.last + datetime.timedelta(days=1),
            State.AGREED: story.agreed and at(story.agreed, 11),
            State.INTAKE_PLANNED: story.intake and at(story.intake - WEEK, 14),
            State.ADMITTED: story.intake and at(story.intake, 16),
            State.NOT_ADMITTED: story.intake and at(story.intake, 16),
            State.IN_TRAINING: story.start and at(story.start, 9),
            State.ENDED: story.end and at(story.end, 15),
        }.get(state) or self.last + datetime.timedelta(days=7)
        self.last = min(max(planned, self.last), self.now)
        return self.last


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
            trainings = self._trainings(users[COUNSELLOR])
            the_stories = stories(today)
            clients = self._clients(organisations, users, the_stories, today)
            # The stories happened in the past: their messages go to the inboxes, and
            # nobody is e-mailed about them today.
            with replaying_history():
                created = self._referrals(the_stories, clients, trainings, users, today)
            password_message = self._passwords(users, new_users, password)

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

    # --- reference data, looked up by natural key ------------------------------------------

    def _organisations(self) -> dict[str, Organisation]:
        organisations = {}
        for key, (name, kind, municipality, domain, phone) in ORGANISATIONS.items():
            organisations[key], _ = Organisation.objects.get_or_create(
                name=name,
                defaults={
                    "kind": kind,
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

    def _trainings(self, counsellor) -> dict[str, Training]:
        trainings = {}
        for key, (title, okot_type, institution, location, months, hours) in TRAININGS.items():
            trainings[key], _ = Training.objects.get_or_create(
                title=title,
                location=location,
                defaults={
                    "okot_type": OkotType(okot_type),
                    "institution": institution,
                    "province": Province.OOST_VLAANDEREN,
                    "contact_counsellor": counsellor,
                    "duration_months": months,
                    "hours_per_week": hours,
                    "active": key not in INACTIVE_TRAININGS,
                },
            )
        return trainings

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
                    "consent_vdab": True,
                    "consent_date": consent_on,
                    "gpmi": index % 4 != 3,
                    "gpmi_date": consent_on - 2 * WEEK if index % 4 != 3 else None,
                },
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
                self._play(
                    story,
                    client,
                    trainings[story.training],
                    caseworker,
                    users[COUNSELLOR],
                    today,
                )
            except (services.TransitionRefused, ValidationError) as exc:
                raise CommandError(f"Demo referral {story.n} ({client}): {exc}") from exc
            created += 1
        return created

    def _play(self, story, client, training, caseworker, counsellor, today):
        """Walk one referral along its path, each step by the user who would take it, on
        the day it would have happened (so the timeline and 'overdue' look real)."""
        path = story.path()
        clock = StoryClock(story, today)
        if story.by_vdab and path[:1] == [State.CANDIDATE]:
            # The client applied through the training guide: VDAB registers the candidacy.
            referral = services.referral_register_candidacy(
                user=counsellor,
                ocmw=client.ocmw,
                insz=client.insz,
                first_name=client.first_name,
                last_name=client.last_name,
                training=training,
                at=clock.step(State.INFORMED),
                external_id=f"demo-{story.n}",
            )
            path = path[1:]
        else:
            opener = counsellor if story.by_vdab else caseworker
            referral = services.referral_create(
                user=opener,
                client=client,
                training=training,
                at=clock.step(State.INFORMED),
                external_id=f"demo-{story.n}",
            )
        screening = SCREENINGS[story.n % len(SCREENINGS)]
        for state in path:
            if state == State.CANDIDATE:
                services.referral_apply(at=clock.step(state), referral=referral, user=opener)
            elif state == State.DECLINED:
                services.referral_decline(
                    at=clock.step(state), referral=referral, user=caseworker, reason=story.reason
                )
            elif state == State.AGREED:
                services.referral_agree(
                    at=clock.step(state),
                    referral=referral,
                    user=caseworker,
                    agreed_on=story.agreed,
                    checked_conditions=EntryCondition.applicable_to(training.okot_type),
                    caseworker_phone=caseworker.work_phone,
                    handover_notes=HANDOVER_NOTES[story.n % len(HANDOVER_NOTES)],
                    handover_call_at=at(story.agreed, 10),
                )
            elif state == State.INTAKE_PLANNED:
                services.referral_plan_intake(
                    at=clock.step(state),
                    referral=referral,
                    user=counsellor,
                    intake_at=at(story.intake, 9 + story.n % 6),
                    place=f"VDAB-werkwinkel {training.location}",
                )
            elif state == State.ADMITTED:
                services.referral_admit(
                    at=clock.step(state),
                    referral=referral,
                    user=counsellor,
                    screening=screening,
                    probable_start_date=story.probable_start,
                    probable_location=f"{training.institution}, {training.location}",
                )
            elif state == State.NOT_ADMITTED:
                services.referral_reject(
                    at=clock.step(state),
                    referral=referral,
                    user=counsellor,
                    screening=screening,
                    reason=story.reason,
                )
            elif state == State.IN_TRAINING:
                services.referral_start(
                    at=clock.step(state), referral=referral, user=counsellor, start_date=story.start
                )
                self._notes(story, referral, caseworker, counsellor, today)
            elif state == State.ENDED:
                services.referral_end(
                    at=clock.step(state),
                    referral=referral,
                    user=counsellor,
                    end_date=story.end,
                    result=story.result,
                    stop_reason=story.stop_reason,
                )
                self._outcomes(story, referral, caseworker, counsellor, today)
            elif state == State.CLOSED:
                services.referral_close(
                    at=clock.step(state),
                    referral=referral,
                    user=caseworker if story.continued_by == "ocmw" else counsellor,
                    continued_by=story.continued_by,
                )
            elif state == State.WITHDRAWN:
                by_ocmw = WITHDRAWN_FROM[story.n] in (State.CANDIDATE, State.AGREED)
                services.referral_withdraw(
                    at=clock.step(state),
                    referral=referral,
                    user=caseworker if by_ocmw else counsellor,
                    reason=story.reason,
                )

    def _notes(self, story, referral, caseworker, counsellor, today):
        """Guidance notes from both sides, and a warning before an early stop."""
        last_day = min(story.end or today, today)
        warning = WARNING_NOTES.get(story.stop_reason or story.result)
        notes = [
            (story.start + 5 * WEEK, counsellor, GuidanceTopic.PROGRESS, PROGRESS_NOTES),
            (story.start + 10 * WEEK, caseworker, GuidanceTopic.SUPPORT, SUPPORT_NOTES),
        ]
        if warning and story.end:
            topic = GuidanceTopic.DROPOUT_RISK
            notes.append((story.end - 3 * WEEK, counsellor, topic, [warning]))
        for written_on, author, topic, texts in notes:
            if story.start <= written_on <= last_day:
                services.guidance_note_add(
                    referral=referral,
                    user=author,
                    topic=topic,
                    note=texts[story.n % len(texts)],
                    written_on=written_on,
                )

    def _outcomes(self, story, referral, caseworker, counsellor, today):
        """The 3/6/9/12-month check-ups after a positive end that are due by now."""
        checker = caseworker if story.continued_by == "ocmw" else counsellor
        for months, at_work in zip((3, 6, 9, 12), story.outcomes, strict=False):
            due = referral.outcome_due_date(months)
            if due > today:
                break
            services.outcome_check_record(
                referral=referral,
                user=checker,
                months=months,
                at_work=AtWork.YES if at_work == "y" else AtWork.NO,
                checked_on=min(due + datetime.timedelta(days=4), today),
            )
