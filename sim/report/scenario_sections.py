"""The scenario as a reader of a report needs it: the settings that drive the results, each with the source written
beside it in the YAML (a comment) and the scenario's own description.

The resolved `scenario.yaml` holds every key; the report shows the ones a product decision turns on (plans and their
credits, the mix, the population, the inbox and refund rules, the clock) rather than all of them.
"""
from __future__ import annotations

from pathlib import Path

from .content import Note, Paragraph, Section, Table, fmt, fmt_value
from .files import read_yaml

SOURCE_COPY = "scenario.source.yaml"
"""Optional copy of the scenario file as its author wrote it: the resolved scenario.yaml is machine-written and has
lost the comments that name the sources of its figures; where this copy exists, its comments are shown."""

PLAN_COLUMNS = [
    ("price_per_month", "price ($/month)"),
    ("credits_per_month", "credits/month"),
    ("balance_cap", "balance cap (credits)"),
    ("credit_lifetime_days", "credit lifetime (days)"),
    ("refresh", "refresh"),
    ("on_cancel", "on cancel"),
    ("initial_credits", "initial credits"),
    ("inmails_per_month", "InMails wished/month"),
]

SETTINGS = [
    ("horizon_days", "horizon (days)"),
    ("warmup_days", "warm-up (days)"),
    ("seed", "root seed"),
    ("population.senders", "senders"),
    ("population.recipients", "recipients"),
    ("sending.when_out_of_credits", "out of credits"),
    ("sending.max_wait_days", "longest wait for a credit (days)"),
    ("sending.followup_probability", "follow-up probability"),
    ("targeting.kind", "targeting"),
    ("targeting.exponent", "Zipf exponent"),
    ("inbox.capacity", "inbox capacity (conversations)"),
    ("inbox.when_full", "when the inbox is full"),
    ("inbox.unread_window_hours", "unread window (hours)"),
    ("inbox.response_window_days", "response window (days)"),
    ("inbox.answered_slot_days", "answered conversation kept (days)"),
    ("refund.policy", "refund policy"),
    ("refund.window_days", "refund window (days)"),
    ("refund.lot", "refunded credit dated"),
    ("recipients.checks_per_day", "inbox checks per day"),
    ("recipients.open_probability_fresh", "open probability while fresh"),
    ("recipients.open_probability_late", "open probability later"),
    ("recipients.reply_probability", "reply probability"),
    ("recipients.accept_probability", "accept probability"),
    ("recipients.decline_probability", "decline probability"),
    ("recipients.response_delay_days", "delay from open to response (days)"),
    ("messages.subject_limit_chars", "subject limit (characters)"),
    ("messages.body_limit_chars", "body limit (characters)"),
    ("messages.html_allowed", "HTML allowed"),
    ("messages.body_length_chars", "body length (characters)"),
]


_ABSENT = object()


def read_scenario(folder: Path) -> tuple[dict | None, dict[str, str]]:
    """The resolved scenario of a results folder (None if absent) and the comments beside its keys."""
    scenario, comments = None, {}
    if (folder / "scenario.yaml").is_file():
        scenario, comments = read_yaml(folder / "scenario.yaml")
    if (folder / SOURCE_COPY).is_file():
        comments = {**read_yaml(folder / SOURCE_COPY)[1], **comments}
    return scenario, comments


def lookup(data: dict, dotted: str, default=None):
    """The value at a dotted key path, or `default` where the path does not exist."""
    node = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def scenario_section(scenario: dict | None, comments: dict[str, str], title: str = "Scenario") -> Section:
    if not scenario:
        return Section(title, [Note("scenario.yaml is missing: the settings of this run are unknown.")])
    blocks: list = []
    if scenario.get("description"):
        blocks.append(Paragraph(str(scenario["description"])))
    blocks.append(Paragraph(f"Scenario name: {scenario.get('name', 'unnamed')}."))
    blocks.append(plan_table(scenario, comments))
    rows = []
    for key, label in SETTINGS:
        value = lookup(scenario, key, _ABSENT)
        if value is not _ABSENT:
            shown = str(value) if key == "seed" else fmt_value(value)  # an identifier, not a quantity: no separators
            rows.append([label, key, shown, comments.get(key, "")])
    blocks.append(Table(["setting", "key", "value", "source / note"], rows, caption="Rules and behaviour",
                        numeric=[False, False, True, False]))
    blocks.append(Note("Values as resolved for the run; sources are the comments written beside the keys in the "
                       "scenario file, where it has them."))
    return Section(title, blocks)


def plan_table(scenario: dict, comments: dict[str, str]) -> Table:
    plans = scenario.get("plans") or {}
    mix = scenario.get("plan_mix") or {}
    rows = []
    for name, plan in plans.items():
        plan = plan or {}
        notes = [f"{key}: {comments[f'plans.{name}.{key}']}" for key, _ in PLAN_COLUMNS
                 if f"plans.{name}.{key}" in comments]
        for key in (f"plans.{name}", f"plan_mix.{name}"):
            if key in comments:
                notes.insert(0, comments[key])
        rows.append([name, fmt(mix.get(name))] + [fmt_value(plan.get(key)) if key in plan else fmt(None)
                                                  for key, _ in PLAN_COLUMNS] + ["; ".join(notes)])
    columns = ["plan", "share of senders"] + [label for _, label in PLAN_COLUMNS] + ["source / note"]
    textual = {"refresh", "on_cancel"}
    return Table(columns, rows, caption="Plans and their mix",
                 numeric=[False, True] + [key not in textual for key, _ in PLAN_COLUMNS] + [False])
