from .clients import Client, Gender, TemporaryWorkExperience
from .referral import (
    ContinuedBy,
    EndResult,
    GuidanceNote,
    OutcomeCheck,
    Referral,
    ReferralEvent,
    State,
    StopReason,
)
from .trainings import EntryCondition, OkotType, Training

__all__ = [
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
