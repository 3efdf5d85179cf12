from .clients import Client, Gender, TemporaryWorkExperience
from .followup import GuidanceNote, OutcomeCheck
from .history import ReferralEvent
from .referral import POSITIVE_END_RESULTS, ContinuedBy, EndResult, Referral, State, StopReason
from .trainings import EntryCondition, OkotType, Training

__all__ = [
    "POSITIVE_END_RESULTS",
    "Client",
    "ContinuedBy",
    "EndResult",
    "EntryCondition",
    "Gender",
    "GuidanceNote",
    "OkotType",
    "OutcomeCheck",
    "Referral",
    "ReferralEvent",
    "State",
    "StopReason",
    "TemporaryWorkExperience",
    "Training",
]
