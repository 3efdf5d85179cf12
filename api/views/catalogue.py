"""The training catalogue, with its start moments: public to every user, no one's data."""

from django.db.models import Prefetch

from referrals.models import StartMoment, Training

from ..serializers import TrainingSerializer
from .base import ReadOnlyViewSet


class TrainingViewSet(ReadOnlyViewSet):
    serializer_class = TrainingSerializer
    queryset = Training.objects.prefetch_related(
        Prefetch("start_moments", queryset=StartMoment.objects.order_by("starts_on", "pk"))
    )
