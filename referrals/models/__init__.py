from .candidacies import Candidacy
from .clients import Client, TemporaryWorkExperience
from .consents import Consent
from .documents import Document
from .followup import GuidanceNote, OutcomeCheck, SchoolYear
from .history import ReferralEvent
from .imports import ImportJob
from .interruptions import Interruption
from .referral import Referral
from .trainings import EntryCondition, InfoSession, StartMoment, Training

__all__ = [
    "Candidacy",
    "Client",
    "Consent",
    "Document",
    "EntryCondition",
    "GuidanceNote",
    "ImportJob",
    "InfoSession",
    "Interruption",
    "OutcomeCheck",
    "Referral",
    "ReferralEvent",
    "StartMoment",
    "SchoolYear",
    "TemporaryWorkExperience",
    "Training",
]
