from .candidacies import Candidacy
from .clients import Client, TemporaryWorkExperience
from .consents import Consent
from .followup import GuidanceNote, OutcomeCheck, SchoolYear
from .history import ReferralEvent
from .imports import ImportJob
from .referral import Referral
from .trainings import EntryCondition, Training

__all__ = [
    "Candidacy",
    "Client",
    "Consent",
    "EntryCondition",
    "GuidanceNote",
    "ImportJob",
    "OutcomeCheck",
    "Referral",
    "ReferralEvent",
    "SchoolYear",
    "TemporaryWorkExperience",
    "Training",
]
