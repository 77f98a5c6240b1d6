"""The typed scenario: every rule of the InMail world as a validated setting with a unit, a range and a default.

Time is counted in days (the unit is in every key name that holds a duration). Defaults follow today's published
rules (LinkedIn Help, see docs/scenarios.md and ../shared/domain.md) unless a key says otherwise; a scenario file
only needs to state what differs. Unknown keys are errors, never silently ignored.
"""
from __future__ import annotations

import math
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .distributions import Distribution, Exponential, Gamma, LogNormal

DAYS_PER_MONTH = 365.25 / 12
"""Length of a simulated month in days; months start at 0, DAYS_PER_MONTH, 2 * DAYS_PER_MONTH, ..."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True, populate_by_name=True, allow_inf_nan=False)


class Plan(_Model):
    """A paid plan: what a member pays, the credits it grants and how they roll over, and how its members send."""

    price_per_month: float = Field(
        default=39.99, ge=0, description="price paid per member per month, in dollars (an input, not a published fact)"
    )
    credits_per_month: int = Field(default=5, ge=0, description="InMail credits granted at each refresh")
    balance_cap: Optional[int] = Field(
        default=15, ge=0,
        description="most credits a member may hold after a refresh; the excess is forfeited (null: no cap)",
    )
    credit_lifetime_days: Optional[float] = Field(
        default=90, gt=0, description="days after its grant at which an unspent credit expires (null: never)"
    )
    refresh: Literal["anniversary", "first_of_month"] = Field(
        default="anniversary",
        description="when credits are granted: on each member's billing anniversary (staggered over the month) "
        "or on the 1st of the month for everyone",
    )
    on_cancel: Literal["forfeit", "keep_until_cycle_end"] = Field(
        default="forfeit",
        description="what happens to the balance when a member cancels: lost at once (Premium) or usable until the "
        "end of the billing cycle (Sales Navigator)",
    )
    initial_credits: int = Field(
        default=0, ge=0,
        description="extra credits a member holds at the start, on top of the first grant (dated at the start; the "
        "cap applies to them from the next refresh)",
    )
    inmails_per_month: float = Field(
        default=4.0, ge=0, description="mean InMails a member wishes to send per month (Poisson arrivals)"
    )
    billing: Literal["monthly", "annual"] = Field(
        default="monthly",
        description="monthly billing, or annual billing at a discount (annual members can cancel only at renewal)",
    )
    annual_discount: float = Field(
        default=0.0, ge=0, le=1, description="share of the monthly price saved by annual billing (0.2 = 20% off)"
    )


class PlanDynamics(_Model):
    """How a plan gains and loses members (assumptions, not published facts: every report lists them).

    New members arrive as a Poisson process of `arrivals_per_month * (price / reference_price) ** arrival_price_elasticity`
    per month. Each month, each member leaves the plan with probability
    `churn_per_month * (price / reference_price) ** churn_price_elasticity * exp(-churn_value_effect * v)`, where v is
    the member's responses per month over the lookback; a leaving member moves to another plan with the shares of
    `switch_to` (probabilities that add to the same modifiers), the rest cancel.
    """

    reference_price: Optional[float] = Field(
        default=None, gt=0, description="dollars per month at which the base rates hold (null: the plan's price)"
    )
    arrivals_per_month: float = Field(default=0.0, ge=0, description="new members per month at the reference price")
    arrival_price_elasticity: float = Field(
        default=0.0, le=0, description="elasticity of arrivals to price (<= 0; -1.5: +10% price, -13% arrivals)"
    )
    churn_per_month: float = Field(
        default=0.0, ge=0, le=1, description="monthly probability of cancelling at the reference price and no value"
    )
    churn_price_elasticity: float = Field(
        default=0.0, ge=0, description="elasticity of churn to price (>= 0; 1: +10% price, +10% churn)"
    )
    churn_value_effect: float = Field(
        default=0.0, ge=0,
        description="how responses received keep members: churn is multiplied by exp(-effect x responses per month)",
    )
    switch_to: dict[str, float] = Field(
        default_factory=dict,
        description="monthly probability of moving to each other plan (same price and value modifiers as churn)",
    )


class PlanChange(_Model):
    """A plan withdrawn at a given day, its members moved to another plan (their credits do not move)."""

    plan: str = Field(description="the plan withdrawn")
    at_day: float = Field(gt=0, description="day on which the plan is withdrawn")
    move_to: str = Field(description="the plan its members move to")


class Subscribers(_Model):
    """Subscriber dynamics: members join, cancel and switch plans by price and by the value they got. Off by default."""

    enabled: bool = Field(default=False, description="switch subscriber dynamics on")
    value_lookback_months: int = Field(
        default=3, ge=1, description="months of responses a member weighs when deciding to stay"
    )
    plans: dict[str, PlanDynamics] = Field(default_factory=dict, description="dynamics per plan (by plan name)")
    withdrawals: list[PlanChange] = Field(default_factory=list, description="plans withdrawn during the run")


class Population(_Model):
    """How many members send and how many can receive."""

    senders: int = Field(default=2000, ge=1, description="number of paying senders N")
    recipients: int = Field(default=20000, ge=1, description="number of members who can receive InMails M")


class Sending(_Model):
    """What senders do when they want to send."""

    when_out_of_credits: Literal["wait", "drop"] = Field(
        default="wait",
        description="a wish to send with no credit left waits for the next credit (grant or refund) or is dropped",
    )
    max_wait_days: Optional[float] = Field(
        default=None, gt=0,
        description="days after which a wish still waiting for a credit gives up and counts as blocked (null: waits "
        "to the end)"
    )
    followup_probability: float = Field(
        default=0.1, ge=0, le=1,
        description="probability that an InMail goes again to the sender's previous recipient (costs another credit)",
    )


class Popularity(_Model):
    """Who receives: uniform over recipients, or Zipf over popularity ranks so a few recipients are flooded."""

    kind: Literal["uniform", "zipf"] = Field(default="uniform", description="targeting distribution over recipients")
    exponent: float = Field(
        default=1.0, ge=0, description="Zipf exponent s: recipient of rank k is chosen with weight 1/k^s (zipf only)"
    )


class Messages(_Model):
    """What an InMail looks like and the limits it must respect."""

    subject_limit_chars: int = Field(default=200, ge=1, description="longest subject accepted, in characters")
    body_limit_chars: int = Field(default=2000, ge=1, description="longest body accepted, in characters")
    html_allowed: bool = Field(default=False, description="whether a body containing HTML is accepted")
    html_probability: float = Field(
        default=0.0, ge=0, le=1, description="probability that a sender puts HTML in the body"
    )
    subject_length_chars: Distribution = Field(
        default=LogNormal(dist="lognormal", mean=50, sd=25), description="distribution of subject lengths, characters"
    )
    body_length_chars: Distribution = Field(
        default=LogNormal(dist="lognormal", mean=800, sd=400),
        description="distribution of body lengths, characters (average InMail ~800 characters, 2022 study)",
    )


class LengthFactor(_Model):
    """Response probability multiplier for bodies of up to `max_chars` characters."""

    max_chars: Optional[int] = Field(description="upper bound of the band in characters (null: no bound)", ge=0)
    factor: float = Field(ge=0, description="multiplier on the response probability")


DEFAULT_LENGTH_FACTORS = [
    LengthFactor(max_chars=400, factor=1.22),
    LengthFactor(max_chars=800, factor=1.03),
    LengthFactor(max_chars=1200, factor=0.94),
    LengthFactor(max_chars=None, factor=0.89),
]


class Inbox(_Model):
    """A recipient's inbox: how many conversations it holds and how long they stay."""

    capacity: int = Field(default=500, ge=1, description="conversations an inbox holds at once")
    when_full: Literal["bounce", "evict_oldest"] = Field(
        default="bounce",
        description="a new InMail to a full inbox bounces (credit refunded) or evicts the oldest conversation",
    )
    unread_window_hours: float = Field(
        default=48, ge=0, description="hours an InMail stays unread-fresh, when recipients are likelier to open it"
    )
    response_window_days: Optional[float] = Field(
        default=None, gt=0,
        description="days after which an unanswered InMail is deleted and frees its slot (article: 7; today: null, never)",
    )
    answered_slot_days: Optional[float] = Field(
        default=30, ge=0, description="days after the response at which an answered conversation frees its slot "
        "(null: never)",
    )


class Recipients(_Model):
    """How recipients look at their inbox, open InMails and respond."""

    checks_per_day: Distribution = Field(
        default=Gamma(dist="gamma", mean=1.0, sd=0.7),
        description="inbox checks per day: each recipient gets a rate drawn from this distribution, and checks at "
        "Poisson times with that rate",
    )
    open_probability_fresh: float = Field(
        default=0.6, ge=0, le=1, description="probability of opening an unopened InMail at a check while it is fresh"
    )
    open_probability_late: float = Field(
        default=0.15, ge=0, le=1, description="probability of opening it at a check after the unread window"
    )
    reply_probability: float = Field(
        default=0.12, ge=0, le=1, description="once opened, probability of a reply (reply + accept + decline <= 1)"
    )
    accept_probability: float = Field(default=0.06, ge=0, le=1, description="once opened, probability of an accept")
    decline_probability: float = Field(default=0.04, ge=0, le=1, description="once opened, probability of a decline")
    response_delay_days: Distribution = Field(
        default=LogNormal(dist="lognormal", mean=2.0, sd=3.0),
        description="days from opening to the response (no published distribution: an assumption)",
    )
    body_length_factors: list[LengthFactor] = Field(
        default_factory=lambda: [f.model_copy() for f in DEFAULT_LENGTH_FACTORS],
        description="response multipliers by body length band, ascending max_chars, last band unbounded "
        "(LinkedIn 2022: <400 +22%, 401-800 +3%, 801-1200 -6%, >1200 -11%)",
    )
    send_day_factors: list[float] = Field(
        default_factory=lambda: [1.0] * 7,
        description="7 response multipliers (each >= 0) by the day of the week the InMail was sent, Monday first "
        "(day 0 of the clock is a Monday)",
    )

    @model_validator(mode="after")
    def _check(self):
        total = self.reply_probability + self.accept_probability + self.decline_probability
        if total > 1 + 1e-9:
            raise ValueError(f"reply + accept + decline probabilities must be <= 1, got {total:g}")
        bands = self.body_length_factors
        if not bands or bands[-1].max_chars is not None:
            raise ValueError("body_length_factors must end with a band whose max_chars is null (no bound)")
        bounds = [b.max_chars for b in bands[:-1]]
        if any(b is None for b in bounds) or bounds != sorted(bounds):
            raise ValueError("body_length_factors must have ascending max_chars, with only the last one null")
        if len(self.send_day_factors) != 7 or any(f < 0 for f in self.send_day_factors):
            raise ValueError("send_day_factors must be 7 numbers >= 0, Monday first")
        return self


class Refund(_Model):
    """When a spent credit comes back."""

    policy: Literal["on_response", "on_no_response", "none"] = Field(
        default="on_response",
        description="on_response: returned if the InMail is accepted, declined or replied to within window_days "
        "(since 2015); on_no_response: returned if there is no response within window_days (before 2015); none",
    )
    window_days: float = Field(default=90, gt=0, description="the refund window in days")
    lot: Literal["original", "new"] = Field(
        default="original",
        description="a refunded credit keeps its original grant date (and expiry) or counts as newly granted",
    )


class Scenario(_Model):
    """One InMail world: plans and their mix, the senders, the inboxes and recipients, the rules, and the clock."""

    name: str = Field(default="scenario", min_length=1, description="short name, used for the output folder")
    description: str = Field(default="", description="what the scenario is for and where its figures come from")
    seed: int = Field(default=12345, ge=0, description="root random seed (replication r uses (seed, r))")
    horizon_days: float = Field(default=365, gt=0, description="simulated time in days")
    warmup_days: float = Field(
        default=0, ge=0, description="days at the start excluded from all rates and flows (must be < horizon_days)"
    )
    population: Population = Field(default_factory=Population)
    plans: dict[str, Plan] = Field(
        default_factory=lambda: {"premium_business": Plan(credits_per_month=15, balance_cap=45, price_per_month=59.99)},
        description="plans by name",
    )
    plan_mix: dict[str, float] = Field(
        default_factory=lambda: {"premium_business": 1.0},
        description="share of senders on each plan: shares >= 0 that sum to 1, each naming a plan defined under plans",
    )
    sending: Sending = Field(default_factory=Sending)
    targeting: Popularity = Field(default_factory=Popularity)
    messages: Messages = Field(default_factory=Messages)
    inbox: Inbox = Field(default_factory=Inbox)
    recipients: Recipients = Field(default_factory=Recipients)
    refund: Refund = Field(default_factory=Refund)
    subscribers: Subscribers = Field(default_factory=Subscribers)
    engine: Literal["auto", "python", "compiled"] = Field(
        default="auto",
        description="which engine runs the replications: python (the reference model), compiled (the same rules and "
        "results, compiled with numba; not every rule yet) or auto (compiled when it supports the scenario)",
    )

    @field_validator("plans")
    @classmethod
    def _some_plans(cls, v):
        if not v:
            raise ValueError("at least one plan is needed")
        return v

    @field_validator("warmup_days")
    @classmethod
    def _warmup_shorter(cls, v, info):
        horizon = info.data.get("horizon_days")
        if horizon is not None and v >= horizon:
            raise ValueError(f"must be shorter than horizon_days ({horizon:g}), got {v:g}")
        return v

    @field_validator("plan_mix")
    @classmethod
    def _mix(cls, v, info):
        plans = info.data.get("plans")
        if plans is not None:
            unknown = [p for p in v if p not in plans]
            if unknown:
                raise ValueError(f"names undefined plan(s) {', '.join(unknown)}; defined: {', '.join(plans)}")
        if any(share < 0 for share in v.values()):
            raise ValueError("shares must be >= 0")
        total = sum(v.values())
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"shares must sum to 1, got {total:g}")
        return v

    @field_validator("subscribers")
    @classmethod
    def _dynamics_name_plans(cls, dyn, info):
        plans = info.data.get("plans")
        if plans is None:
            return dyn
        problems = []
        for name, d in dyn.plans.items():
            if name not in plans:
                problems.append(f"plans names undefined plan {name}")
            for target in d.switch_to:
                if target not in plans:
                    problems.append(f"plans.{name}.switch_to names undefined plan {target}")
                elif target == name:
                    problems.append(f"plans.{name}.switch_to names the plan itself")
            if sum(d.switch_to.values()) + d.churn_per_month > 1 + 1e-9:
                problems.append(f"plans.{name}: churn_per_month + switch_to shares must be <= 1")
        for change in dyn.withdrawals:
            for key in ("plan", "move_to"):
                if getattr(change, key) not in plans:
                    problems.append(f"withdrawals: {key} names undefined plan {getattr(change, key)}")
        if problems:
            raise ValueError("; ".join(problems))
        return dyn



__all__ = ["Scenario", "Plan", "DAYS_PER_MONTH", "Exponential"]
