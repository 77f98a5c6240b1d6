"""Which scenarios the compiled engine runs: everything but the rules it does not model yet.

Kept free of numba so that choosing an engine (and validating `engine: compiled`) costs no compilation.
"""
from __future__ import annotations

import math

from sim.scenario.schema import DAYS_PER_MONTH

LOT_RING = 64
"""Lot slots per sender in the compiled ledger at most: lots alive at once are one per refresh within a credit
lifetime, one more at an expiry/refresh tie, and the initial lot (8 slots up to 5 months, 64 up to 61 months)."""


def lot_ring(lifetimes: list[float | None]) -> int:
    """Lot slots needed for these credit lifetimes (days; None: never expire, one lot holds them): a power of two."""
    alive = max([2] + [math.floor(days / DAYS_PER_MONTH) + 3 for days in lifetimes if days is not None])
    return 1 << math.ceil(math.log2(alive))


def unsupported(scenario) -> list[str]:
    """Why the compiled engine cannot run `scenario` (empty: it can, with the Python engine's integer results)."""
    reasons = []
    if scenario.inbox.when_full != "bounce":
        reasons.append("inbox.when_full: evict_oldest is modelled by the Python engine only")
    if scenario.refund.lot != "original":  # bounced InMails are refunded under every policy
        reasons.append("refund.lot: new is modelled by the Python engine only")
    for name, plan in scenario.plans.items():
        if lot_ring([plan.credit_lifetime_days]) > LOT_RING:
            reasons.append(f"plans.{name}.credit_lifetime_days: lifetimes of {LOT_RING - 2} months or more are "
                           "modelled by the Python engine only")
    return reasons
