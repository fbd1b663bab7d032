"""What a service does with each event: the owner's code, one function per subscribed topic."""

import logging

logger = logging.getLogger(__name__)
