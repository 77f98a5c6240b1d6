"""Credit ledger: grants, oldest-first spending, expiry, cap at refresh, refunds, staggering and cancellation."""
import pytest

from sim.world.ledger import CreditLedger


class Flows:
    """Records every ledger flow as (flow, time, n)."""

    def __init__(self):
        self.log = []

    def __call__(self, flow, t, n):
        self.log.append((flow.removeprefix("credits_"), t, n))

    def total(self, flow):
        return sum(n for f, _, n in self.log if f == flow)


def make(credits=5, cap=15, lifetime=90.0, period=30.0, first=0.0, **kw):
    flows = Flows()
    return CreditLedger(credits, cap, lifetime, period, first, record=flows, **kw), flows


def test_grant_at_each_refresh():
    ledger, flows = make(first=0.0)
    ledger.advance(0.0)
    assert ledger.balance == 5
    ledger.advance(59.9)
    assert ledger.balance == 10
    assert flows.log == [("granted", 0.0, 5), ("granted", 30.0, 5)]
    ledger.advance(60.0)
    assert ledger.balance == 15


def test_spend_takes_oldest_lot_first():
    ledger, _ = make(first=0.0)
    ledger.advance(30.0)  # lots at 0 and 30
    assert ledger.spend(31.0) == 0.0
    assert [tuple(lot) for lot in ledger.lots] == [(0.0, 4), (30.0, 5)]
    for _ in range(4):
        assert ledger.spend(32.0) == 0.0
    assert ledger.spend(33.0) == 30.0


def test_spend_with_no_credit_returns_none_and_records_nothing():
    ledger, flows = make(credits=0, first=0.0)
    assert ledger.spend(1.0) is None
    assert flows.total("spent") == 0


def test_lot_expires_exactly_at_its_lifetime():
    ledger, flows = make(credits=5, cap=None, lifetime=45.0, period=30.0, first=0.0)
    ledger.advance(44.999)
    assert ledger.balance == 10
    ledger.advance(45.0)
    assert ledger.balance == 5
    assert ("expired", 45.0, 5) in flows.log


def test_cap_at_refresh_forfeits_the_excess_of_the_new_grant():
    ledger, flows = make(credits=5, cap=12, lifetime=None, first=0.0)
    ledger.advance(60.0)  # 5, 10, then 15 -> capped to 12
    assert ledger.balance == 12
    assert flows.total("forfeited_cap") == 3
    assert [tuple(lot) for lot in ledger.lots] == [(0.0, 5), (30.0, 5), (60.0, 2)]


def test_refund_keeps_original_date_and_expiry():
    ledger, flows = make(credits=1, cap=None, lifetime=50.0, period=100.0, first=0.0)
    lot = ledger.spend(1.0)
    assert lot == 0.0 and ledger.balance == 0
    ledger.refund_at(10.0, lot)
    ledger.advance(9.0)
    assert ledger.balance == 0
    ledger.advance(10.0)
    assert ledger.balance == 1 and flows.total("refunded") == 1
    ledger.advance(50.0)  # original lot date 0 + lifetime 50
    assert ledger.balance == 0 and flows.total("expired") == 1


def test_refund_as_new_lot_gets_a_fresh_lifetime():
    ledger, flows = make(credits=1, cap=None, lifetime=50.0, period=100.0, first=0.0, refund_keeps_date=False)
    lot = ledger.spend(1.0)
    ledger.refund_at(40.0, lot)
    ledger.advance(89.0)
    assert ledger.balance == 1
    ledger.advance(90.0)
    assert ledger.balance == 0 and flows.total("expired") == 1


def test_refund_after_the_lot_would_have_expired_counts_refunded_then_expired():
    ledger, flows = make(credits=1, cap=None, lifetime=20.0, period=100.0, first=0.0)
    lot = ledger.spend(1.0)
    ledger.refund_at(30.0, lot)
    ledger.advance(30.0)
    assert ledger.balance == 0
    assert flows.total("refunded") == 1 and flows.total("expired") == 1


def test_immediate_refund_for_a_bounce():
    ledger, flows = make(first=0.0)
    lot = ledger.spend(5.0)
    ledger.refund_now(5.0, lot)
    assert ledger.balance == 5 and flows.total("refunded") == 1


def test_staggered_anniversary_refreshes():
    a, _ = make(first=-20.0)  # billing anniversary on day 10 of each 30-day month
    b, _ = make(first=-5.0)   # on day 25
    a.advance(9.99)
    b.advance(9.99)
    assert a.balance == b.balance == 5
    a.advance(10.0)
    b.advance(10.0)
    assert (a.balance, b.balance) == (10, 5)
    b.advance(25.0)
    assert b.balance == 10


def test_cancel_forfeits_balance_and_later_refunds():
    ledger, flows = make(first=0.0, cancel_rule="forfeit")
    lot = ledger.spend(1.0)
    ledger.refund_at(20.0, lot)
    ledger.cancel(10.0)
    assert ledger.balance == 0 and flows.total("lost_cancellation") == 4
    ledger.advance(100.0)
    assert ledger.balance == 0
    assert flows.total("granted") == 5  # no grant after cancelling
    assert flows.total("refunded") == 1 and flows.total("lost_cancellation") == 5


def test_cancel_keeps_credits_until_the_end_of_the_cycle():
    ledger, flows = make(first=0.0, cancel_rule="keep_until_cycle_end")
    ledger.cancel(10.0)
    assert ledger.balance == 5
    assert ledger.spend(29.0) == 0.0
    ledger.advance(30.0)
    assert ledger.balance == 0 and flows.total("lost_cancellation") == 4 and flows.total("granted") == 5


def test_every_credit_is_accounted_for():
    ledger, flows = make(credits=7, cap=10, lifetime=40.0, period=30.0, first=-12.0)
    t = 0.0
    for step in range(200):
        t += 1.7
        lot = ledger.spend(t)
        if lot is not None and step % 3 == 0:
            ledger.refund_at(t + 4.5, lot)
    ledger.advance(t + 100)
    inflow = flows.total("granted") + flows.total("refunded")
    outflow = sum(flows.total(f) for f in ("spent", "expired", "forfeited_cap", "lost_cancellation"))
    assert inflow - outflow == ledger.balance == sum(n for _, n in ledger.lots)


@pytest.mark.parametrize(
    "kwargs",
    [dict(credits_per_refresh=-1), dict(cap=-1), dict(lifetime_days=0), dict(period_days=0),
     dict(cancel_rule="whatever")],
)
def test_bad_construction_raises_value_error(kwargs):
    args = dict(credits_per_refresh=5, cap=15, lifetime_days=90, period_days=30, first_refresh=0)
    args.update(kwargs)
    with pytest.raises(ValueError):
        CreditLedger(**args)
