"""Every import test runs on a fixed day and compares messages with the code's English."""

import pytest
import time_machine
from django.utils import translation

from .rows import NOW


@pytest.fixture(autouse=True)
def frozen_time_in_english():
    """A fixed day, and messages compared with the code's own (English) strings."""
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


@pytest.fixture
def catalogue(ocmw_gent, training):
    """OCMW Gent and its training "Verpleegkunde HBO5" (HBO), as the rows name them."""
    return training
