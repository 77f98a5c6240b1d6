"""What each metric of docs/outputs.md means and in what unit it is counted, in the order reports list them.

Reports print metrics they know in this order with a readable label and unit; metrics they do not know (added to
the engine later) follow in the order of the data file, labelled by their name, so nothing in a data file is hidden.
"""
from __future__ import annotations

METRICS: dict[str, tuple[str, str]] = {
    "inmails_attempted": ("InMails attempted", "InMails"),
    "inmails_rejected_invalid": ("rejected as invalid", "InMails"),
    "inmails_blocked_no_credit": ("blocked for want of a credit", "InMails"),
    "inmails_waiting_end": ("still waiting for a credit at the end", "InMails"),
    "inmails_bounced_inbox_full": ("bounced, inbox full", "InMails"),
    "inmails_delivered": ("delivered", "InMails"),
    "inmails_opened": ("opened", "InMails"),
    "inmails_responded": ("responded", "InMails"),
    "inmails_replied": ("replied", "InMails"),
    "inmails_accepted": ("accepted", "InMails"),
    "inmails_declined": ("declined", "InMails"),
    "inmails_expired_unanswered": ("expired unanswered", "InMails"),
    "inmails_evicted": ("evicted from a full inbox", "InMails"),
    "inmails_pending_end": ("pending at the end", "InMails"),
    "open_rate": ("open rate (opened / delivered)", "share"),
    "response_rate": ("response rate (responded / delivered)", "share"),
    "credits_initial": ("credits held at the end of the warm-up", "credits"),
    "credits_granted": ("credits granted", "credits"),
    "credits_spent": ("credits spent", "credits"),
    "credits_refunded": ("credits refunded", "credits"),
    "credits_expired": ("credits expired", "credits"),
    "credits_forfeited_cap": ("credits forfeited over the cap", "credits"),
    "credits_lost_cancellation": ("credits lost at cancellation", "credits"),
    "credits_balance_end": ("credits held at the end", "credits"),
    "wasted_credit_share": ("wasted credits (expired + forfeited + lost) / granted", "share"),
    "revenue": ("revenue", "$"),
    "cost_per_response": ("cost per response (revenue / responses)", "$ per response"),
    "inbox_full_share": ("recipient-days at inbox capacity", "share"),
    "inbox_mean_occupancy": ("mean conversations per inbox", "conversations"),
    "inmails_evicted_conversations": ("conversations evicted from full inboxes", "conversations"),
    "mean_time_to_open_days": ("mean time from delivery to open", "days"),
    "mean_time_to_respond_days": ("mean time from delivery to response", "days"),
    "subscribers_start": ("subscribers at the end of the warm-up", "members"),
    "subscribers_end": ("subscribers at the end", "members"),
    "new_subscribers": ("new subscribers", "members"),
    "cancellations": ("cancellations", "members"),
    "plan_switches": ("plan switches", "members"),
    "plan_switches_in": ("switched in from another plan", "members"),
    "plan_switches_out": ("switched out to another plan", "members"),
    "mrr": ("monthly recurring revenue at the end", "$ per month"),
    "arpu": ("revenue per member-month (ARPU)", "$ per member-month"),
    "revenue_per_response": ("revenue per response", "$ per response"),
    "effective_price_per_credit_used": ("price per credit used (revenue / (spent - refunded))", "$ per credit"),
}

HEADLINE = [
    "inmails_attempted", "inmails_delivered", "inmails_responded", "open_rate", "response_rate", "revenue",
    "cost_per_response", "subscribers_end", "mrr", "credits_granted", "credits_spent", "credits_refunded", "wasted_credit_share",
    "inbox_full_share", "mean_time_to_open_days", "mean_time_to_respond_days",
]
"""Metrics a sweep plots against its parameter (those present in the data)."""

FUNNEL = ["inmails_attempted", "inmails_delivered", "inmails_opened", "inmails_responded"]

OUTCOMES = [
    "inmails_rejected_invalid", "inmails_blocked_no_credit", "inmails_bounced_inbox_full", "inmails_responded",
    "inmails_expired_unanswered", "inmails_evicted", "inmails_pending_end",
]
"""Where each attempted InMail ended: these add up to the InMails attempted (docs/outputs.md, message identity)."""

CREDIT_FLOWS = [
    "credits_granted", "credits_spent", "credits_refunded", "credits_expired", "credits_forfeited_cap",
]
"""Monthly flows the run report draws per plan (timeseries.csv columns of the same names)."""


def label(name: str) -> str:
    return METRICS.get(name, (name.replace("_", " "), ""))[0]


def unit(name: str) -> str:
    return METRICS.get(name, ("", ""))[1]


def axis_label(name: str) -> str:
    """`label (unit)` for a plot axis; every axis names its unit."""
    return f"{label(name)} ({unit(name) or 'as in the data file'})"


def ordered(names) -> list[str]:
    """Known metrics in catalogue order, then unknown ones in the order given."""
    names = list(names)
    return [n for n in METRICS if n in names] + [n for n in names if n not in METRICS]
