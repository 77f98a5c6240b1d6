"""The scenario loader: exact error lines for bad input, inheritance, overrides, sweeps and safe loading."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.scenario import (
    Scenario, load_scenario, load_scenario_and_sweep, load_scenario_text, load_sweep_grid, resolve_scenario_dict,
)

DISTS = "fixed, exponential, uniform, lognormal, gamma, weibull"
PLAIN = "a scenario holds only plain values (numbers, text, true/false, null, lists and mappings)"

# Each case: the YAML text of x.yaml and every error line it must produce, in order.
BAD_INPUTS = {
    "unknown key with suggestion": (
        "plans:\n  premium_business:\n    credits_per_mont: 5\n",
        ["x.yaml:3:5: plans.premium_business.credits_per_mont: unknown key (did you mean 'credits_per_month'?)"],
    ),
    "unknown top-level key": ("inbx:\n  capacity: 3\n", ["x.yaml:1:1: inbx: unknown key (did you mean 'inbox'?)"]),
    "unknown key lists the keys of a small section": (
        "population: {sendrs: 10, whoever: 3}\n",
        ["x.yaml:1:14: population.sendrs: unknown key (did you mean 'senders'?)",
         "x.yaml:1:26: population.whoever: unknown key (known keys: senders, recipients)"],
    ),
    "duplicate key": (
        "horizon_days: 100\nhorizon_days: 200\n",
        ["x.yaml:2:1: horizon_days: duplicate key (first set on line 1); YAML would silently keep only this one"],
    ),
    "duplicate key on one line": (
        "inbox: {capacity: 3, capacity: 4}\n",
        ["x.yaml:1:22: inbox.capacity: duplicate key (first set on line 1, column 9); YAML would silently keep "
         "only this one"],
    ),
    "wrong type": (
        "population:\n  senders: many\n",
        ["x.yaml:2:3: population.senders: must be an integer >= 1, got 'many'"],
    ),
    "quoted number is text": ('horizon_days: "365"\n', ["x.yaml:1:1: horizon_days: must be a number > 0, got '365'"]),
    "fraction for an integer": (
        "plans:\n  premium_business:\n    credits_per_month: 2.5\n",
        ["x.yaml:3:5: plans.premium_business.credits_per_month: must be an integer >= 0, got 2.5"],
    ),
    "negative integer": (
        "plans:\n  premium_business:\n    credits_per_month: -3\n",
        ["x.yaml:3:5: plans.premium_business.credits_per_month: must be an integer >= 0, got -3"],
    ),
    "section that is not a mapping": (
        "population: 5\n", ["x.yaml:1:1: population: must be a mapping with keys senders, recipients, got 5"],
    ),
    "null where a value is needed": ("horizon_days:\n", ["x.yaml:1:1: horizon_days: must be a number > 0, got null"]),
    "not true or false": (
        "messages:\n  html_allowed: perhaps\n",
        ["x.yaml:2:3: messages.html_allowed: must be true or false, got 'perhaps'"],
    ),
    "choice with suggestion": (
        "inbox:\n  when_full: bounc\n",
        ["x.yaml:2:3: inbox.when_full: must be one of 'bounce', 'evict_oldest', got 'bounc' (did you mean 'bounce'?)"],
    ),
    "probability above 1": (
        "recipients:\n  reply_probability: 1.3\n",
        ["x.yaml:2:3: recipients.reply_probability: must be a number between 0 and 1, got 1.3"],
    ),
    "probability below 0": (
        "sending: {followup_probability: -0.1}\n",
        ["x.yaml:1:11: sending.followup_probability: must be a number between 0 and 1, got -0.1"],
    ),
    "probabilities summing above 1": (
        "recipients:\n  reply_probability: 0.6\n  accept_probability: 0.5\n",
        ["x.yaml:1:1: recipients: reply + accept + decline probabilities must be <= 1, got 1.14"],
    ),
    "plan mix not summing to 1": (
        "plan_mix: {premium_business: 0.9}\n", ["x.yaml:1:1: plan_mix: shares must sum to 1, got 0.9"],
    ),
    "plan mix naming an undefined plan": (
        "plans: {premium_business: {}, gold: {}}\nplan_mix:\n  premium_business: 0.5\n  silver: 0.5\n",
        ["x.yaml:2:1: plan_mix: names undefined plan(s) silver; defined: premium_business, gold"],
    ),
    "a plan no member can ever be on (a misspelt plan name)": (
        "plans: {premium_business: {}, premium_busines: {credits_per_month: 20}}\n",
        ["x.yaml:1:31: plans.premium_busines: no member can ever be on this plan: it is not in plan_mix and "
         "subscriber dynamics are off (did you mean 'premium_business'?)"],
    ),
    "negative duration": ("horizon_days: -5\n", ["x.yaml:1:1: horizon_days: must be a number > 0, got -5"]),
    "zero duration": ("refund:\n  window_days: 0\n", ["x.yaml:2:3: refund.window_days: must be a number > 0, got 0"]),
    "zero lifetime": (
        "plans:\n  premium_business: {credit_lifetime_days: 0}\n",
        ["x.yaml:2:22: plans.premium_business.credit_lifetime_days: must be a number > 0 or null, got 0"],
    ),
    "warm-up as long as the horizon": (
        "horizon_days: 100\nwarmup_days: 100\n",
        ["x.yaml:2:1: warmup_days: must be shorter than horizon_days (100), got 100"],
    ),
    "unknown distribution": (
        "messages:\n  body_length_chars: {dist: lognorm, mean: 800, sd: 400}\n",
        [f"x.yaml:2:23: messages.body_length_chars.dist: unknown distribution 'lognorm' (did you mean 'lognormal'?); "
         f"known: {DISTS}"],
    ),
    "distribution without dist": (
        "messages:\n  body_length_chars: {mean: 800}\n",
        [f"x.yaml:2:3: messages.body_length_chars: a distribution needs a 'dist' key, one of: {DISTS}"],
    ),
    "distribution parameter out of range": (
        "recipients:\n  response_delay_days: {dist: gamma, mean: 2, sd: -1}\n",
        ["x.yaml:2:47: recipients.response_delay_days.sd: must be a number > 0, got -1"],
    ),
    "distribution parameter it does not take": (
        "recipients:\n  response_delay_days:\n    dist: exponential\n    mean: 2\n    sd: 1\n",
        ["x.yaml:5:5: recipients.response_delay_days.sd: unknown key (known keys: dist, mean)"],
    ),
    "distribution parameter missing": (
        "recipients:\n  response_delay_days: {dist: lognormal, mean: 2}\n",
        ["x.yaml:2:3: recipients.response_delay_days.sd: is missing: must be a number > 0"],
    ),
    "distribution parameters inconsistent": (
        "messages:\n  body_length_chars: {dist: uniform, low: 5, high: 1}\n",
        ["x.yaml:2:3: messages.body_length_chars: high must be >= low, got low=5.0, high=1.0"],
    ),
    "distribution given as a number": (
        "messages:\n  body_length_chars: 800\n",
        ["x.yaml:2:3: messages.body_length_chars: must be a distribution such as "
         "{dist: lognormal, mean: 800, sd: 400}, got 800"],
    ),
    "list item missing a key": (
        "recipients:\n  body_length_factors:\n    - factor: 1\n    - {max_chars: null, factor: 1}\n",
        ["x.yaml:3:7: recipients.body_length_factors[0].max_chars: is missing: must be an integer >= 0 or null"],
    ),
    "empty file": ("", ["x.yaml: the file is empty: a scenario is a mapping of settings (key: value)"]),
    "only comments": ("# nothing\n", ["x.yaml: the file is empty: a scenario is a mapping of settings (key: value)"]),
    "root is a list": (
        "- a\n- b\n", ["x.yaml:1:1: the top level must be a mapping of settings (key: value), got a list"],
    ),
    "root is a scalar": (
        "hello\n", ["x.yaml:1:1: the top level must be a mapping of settings (key: value), got 'hello'"],
    ),
    "syntax error": (
        "plans:\n  a: [1, 2\n",
        ["x.yaml:3:1: invalid YAML: while parsing a flow sequence (line 2), expected ',' or ']', "
         "but got '<stream end>'"],
    ),
    "tab indentation": (
        "inbox:\n\tcapacity: 3\n",
        ["x.yaml:2:1: invalid YAML: while scanning for the next token, found character '\\t' that cannot start any "
         "token (indent with spaces, not tabs)"],
    ),
    "two documents": (
        "seed: 1\n---\nseed: 2\n",
        ["x.yaml:2:1: invalid YAML: expected a single document in the stream (line 1), but found another document"],
    ),
    "control character": ("seed: 1\nname: a\x07b\n", ["x.yaml:2:8: invalid YAML: character #x0007 is not allowed"]),
    "python object tag": (
        "name: !!python/object/apply:os.system ['true']\n",
        [f"x.yaml:1:7: name: the tag !!python/object/apply:os.system is not allowed: {PLAIN}"],
    ),
    "python name tag": (
        "name: !!python/name:os.system\n",
        [f"x.yaml:1:7: name: the tag !!python/name:os.system is not allowed: {PLAIN}"],
    ),
    "set tag": ("inbox: !!set {capacity}\n", [f"x.yaml:1:8: inbox: the tag !!set is not allowed: {PLAIN}"]),
    "explicit tag that does not fit": ("seed: !!int abc\n", ["x.yaml:1:7: seed: cannot read 'abc' as !!int"]),
    "key read as a boolean": (
        "on: 3\n", ["x.yaml:1:1: on: a key must be text: quote it (YAML reads yes, no, on, off as true/false)"],
    ),
    "infinite number": ("horizon_days: .inf\n", ["x.yaml:1:15: horizon_days: must be a finite number, got .inf"]),
    "recursive alias": (
        "recipients:\n  send_day_factors: &x [1, *x]\n",
        ["x.yaml:2:21: recipients.send_day_factors[1]: an alias refers to the value that contains it"],
    ),
    "extends that is not a path": ("extends: 5\n", ["x.yaml:1:1: extends: must be the path of another scenario file, "
                                                   "got 5"]),
}


@pytest.mark.parametrize("text, expected", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_gives_exact_errors(text, expected):
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text(text, filename="x.yaml")
    assert [str(p) for p in caught.value.problems] == expected


def test_every_problem_in_a_file_is_reported_at_once_in_file_order():
    text = textwrap.dedent("""\
        horizon_days: 100
        warmup_days: 100
        plans:
          premium_business:
            credits_per_month: -3
            balance_cap: 45
            balance_cap: 46
        recipients:
          reply_probability: 1.3
        inbx: {}
    """)
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text(text, filename="x.yaml")
    assert [(p.line, p.path) for p in caught.value.problems] == [
        (2, "warmup_days"), (5, "plans.premium_business.credits_per_month"), (7, "plans.premium_business.balance_cap"),
        (9, "recipients.reply_probability"), (10, "inbx"),
    ]


def test_a_missing_file_is_named():
    with pytest.raises(ScenarioError) as caught:
        load_scenario("no/such/scenario.yaml")
    assert str(caught.value) == "no/such/scenario.yaml: file does not exist"


def test_a_folder_is_not_a_scenario(tmp_path):
    with pytest.raises(ScenarioError, match="is a folder"):
        load_scenario(tmp_path)


def test_valid_text_gives_the_values_written_and_defaults_elsewhere():
    scenario = load_scenario_text("horizon_days: 200\nplans:\n  premium_business: "
                                  "{credits_per_month: 20}\nname: 2026-01-01\n")
    assert scenario.horizon_days == 200
    assert scenario.plans["premium_business"].credits_per_month == 20
    assert scenario.plans["premium_business"].balance_cap == 15  # the Plan default, not the default plan's 45
    assert scenario.name == "2026-01-01"  # dates stay text
    assert scenario.inbox == Scenario().inbox


def test_1e3_is_a_number_but_not_an_integer():
    with pytest.raises(ScenarioError, match=r"population.senders: must be an integer >= 1, got 1000.0"):
        load_scenario_text("population: {senders: 1e3}\n")
    assert load_scenario_text("horizon_days: 1e2\n").horizon_days == 100


def test_yaml_merge_keys_work_and_explicit_keys_win():
    text = "recipients:\n  checks_per_day: &c {dist: gamma, mean: 1, sd: 0.5}\n  response_delay_days:\n" \
           "    <<: *c\n    mean: 3\n"
    delay = load_scenario_text(text).recipients.response_delay_days
    assert (delay.dist, delay.mean(), delay.sd) == ("gamma", 3, 0.5)


def test_python_tags_never_run(tmp_path):
    witness = tmp_path / "ran"
    text = f"name: !!python/object/apply:os.system ['touch {witness}']\n" \
           f"description: !!python/object/new:os.system ['touch {witness}']\n"
    with pytest.raises(ScenarioError):
        load_scenario_text(text)
    assert not witness.exists()


def test_exponential_alias_expansion_is_refused():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    with pytest.raises(ScenarioError, match="expands to more than"):
        load_scenario_text("\n".join(lines) + "\n")


def test_deep_nesting_is_refused_without_a_crash():
    with pytest.raises(ScenarioError, match="nested more than"):
        load_scenario_text("name: " + "[" * 1200 + "]" * 1200 + "\n")
    with pytest.raises(ScenarioError, match="nested more than"):
        load_scenario_text("name: " + "[" * 60 + "]" * 60 + "\n")


# ----- inheritance -----

def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_extends_deep_merges_the_child_over_the_parent(tmp_path):
    write(tmp_path, "base.yaml", """\
        horizon_days: 200
        plans:
          premium_business: {credits_per_month: 15, balance_cap: 45, price_per_month: 50}
        recipients:
          send_day_factors: [1, 1, 1, 1, 1, 1, 1]
          response_delay_days: {dist: lognormal, mean: 2, sd: 3}
          checks_per_day: {dist: gamma, mean: 1, sd: 0.5}
    """)
    child = write(tmp_path, "child.yaml", """\
        extends: base.yaml
        plans:
          premium_business: {credits_per_month: 20, balance_cap: null}
        recipients:
          send_day_factors: [1, 1, 1, 1, 0.9, 0.8, 1]
          response_delay_days: {dist: exponential, mean: 4}
          checks_per_day: {sd: 0.7}
    """)
    scenario = load_scenario(child)
    plan = scenario.plans["premium_business"]
    assert (plan.credits_per_month, plan.balance_cap, plan.price_per_month) == (20, None, 50)
    assert scenario.horizon_days == 200
    assert scenario.recipients.send_day_factors == [1, 1, 1, 1, 0.9, 0.8, 1]  # lists replace whole
    assert scenario.recipients.response_delay_days.dist == "exponential"  # a new distribution replaces whole
    assert scenario.recipients.checks_per_day.sd == 0.7 and scenario.recipients.checks_per_day.dist == "gamma"


def test_extends_chains_and_resolves_paths_relative_to_each_file(tmp_path):
    write(tmp_path, "a/root.yaml", "seed: 7\nhorizon_days: 300\n")
    write(tmp_path, "a/b/middle.yaml", "extends: ../root.yaml\nhorizon_days: 250\nwarmup_days: 10\n")
    leaf = write(tmp_path, "c/leaf.yaml", "extends: ../a/b/middle.yaml\nwarmup_days: 20\n")
    scenario = load_scenario(leaf)
    assert (scenario.seed, scenario.horizon_days, scenario.warmup_days) == (7, 250, 20)


def test_errors_in_a_parent_name_the_parent_file(tmp_path):
    write(tmp_path, "base.yaml", "seed: 1\nhorizon_days: -1\n")
    child = write(tmp_path, "child.yaml", "extends: base.yaml\ninbox: {capacity: 0}\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    assert [str(p) for p in caught.value.problems] == [
        f"{child}:2:9: inbox.capacity: must be an integer >= 1, got 0",
        f"{tmp_path / 'base.yaml'}:2:1: horizon_days: must be a number > 0, got -1",
    ]


def test_a_value_fixed_by_the_child_is_no_longer_an_error_of_the_parent(tmp_path):
    write(tmp_path, "base.yaml", "horizon_days: -1\n")
    assert load_scenario(write(tmp_path, "child.yaml", "extends: base.yaml\nhorizon_days: 10\n")).horizon_days == 10


def test_an_extends_cycle_names_the_files(tmp_path):
    a = write(tmp_path, "a.yaml", "extends: b.yaml\n")
    write(tmp_path, "b.yaml", "extends: c.yaml\n")
    write(tmp_path, "c.yaml", "extends: a.yaml\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(a)
    folder = str(tmp_path)
    assert str(caught.value) == (f"{folder}/c.yaml:1:1: extends: extends makes a cycle: "
                                 f"{folder}/a.yaml -> {folder}/b.yaml -> {folder}/c.yaml -> {folder}/a.yaml")


def test_a_file_extending_itself_is_a_cycle(tmp_path):
    me = write(tmp_path, "me.yaml", "extends: me.yaml\n")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(me)


def test_extending_a_missing_file_points_at_the_extends_line(tmp_path):
    child = write(tmp_path, "child.yaml", "seed: 1\nextends: gone.yaml\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    assert str(caught.value) == f"{child}:2:1: extends: the file {tmp_path}/gone.yaml does not exist"


def test_resolve_scenario_dict_gives_the_merged_data_without_defaults(tmp_path):
    write(tmp_path, "base.yaml", "seed: 1\ninbox: {capacity: 9}\nsweep: {seed: [1, 2]}\n")
    child = write(tmp_path, "child.yaml", "extends: base.yaml\ninbox: {when_full: evict_oldest}\n")
    assert resolve_scenario_dict(child, ["horizon_days=20"]) == {
        "seed": 1, "inbox": {"capacity": 9, "when_full": "evict_oldest"}, "horizon_days": 20}


# ----- overrides -----

def test_overrides_are_read_as_yaml_and_applied_over_the_file():
    scenario = load_scenario_text(
        "plans: {premium_business: {credits_per_month: 15}}\n",
        overrides=["plans.premium_business.credits_per_month=20", "plans.premium_business.balance_cap=null",
                   "recipients.send_day_factors=[1, 1, 1, 1, 1, 0.84, 1]", "name=variant",
                   "messages.body_length_chars={dist: gamma, mean: 700, sd: 300}"],
    )
    plan = scenario.plans["premium_business"]
    assert (plan.credits_per_month, plan.balance_cap, scenario.name) == (20, None, "variant")
    assert scenario.recipients.send_day_factors[5] == 0.84
    assert scenario.messages.body_length_chars.dist == "gamma"


def test_an_override_reaches_into_defaults_and_list_elements():
    scenario = load_scenario_text("seed: 1\n", overrides=[
        "messages.body_length_chars.mean=900", "recipients.body_length_factors[0].factor=1.5",
        "recipients.send_day_factors.5=0.8"])
    assert scenario.messages.body_length_chars.mean() == 900 and scenario.messages.body_length_chars.sd == 400
    assert scenario.recipients.body_length_factors[0].factor == 1.5
    assert scenario.recipients.send_day_factors == [1, 1, 1, 1, 1, 0.8, 1]


def test_overrides_can_be_a_mapping_of_parsed_values():
    scenario = load_scenario_text("seed: 1\n", overrides={"plans.premium_business.credits_per_month": 25})
    assert scenario.plans["premium_business"].credits_per_month == 25
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text("seed: 1\n", overrides={"horizon_days": float("inf"),
                                                   "recipients.send_day_factors": [1, 1, float("nan")]})
    assert [str(p) for p in caught.value.problems] == ["--set: horizon_days: must be a finite number",
                                                      "--set: recipients.send_day_factors: must be a finite number"]


OVERRIDE_ERRORS = {
    "unknown key": ("plans.premium_business.credits_per_mont=20",
                    "--set: plans.premium_business.credits_per_mont: unknown key (did you mean 'credits_per_month'?)"),
    "unknown section": ("inbx.capacity=3", "--set: inbx: unknown key (did you mean 'inbox'?)"),
    "bad value": ("plans.premium_business.credits_per_month=-3",
                  "--set: plans.premium_business.credits_per_month: must be an integer >= 0, got -3"),
    "no equals sign": ("horizon_days", "--set: an override must look like KEY.PATH=VALUE, got 'horizon_days'"),
    "unreadable value": ("seed=[1", "--set: seed: cannot read the value '[1': invalid YAML: while parsing a flow "
                                    "sequence, expected ',' or ']', but got '<stream end>'"),
    "python tag": ("name=!!python/name:os.system",
                   f"--set: name: the tag !!python/name:os.system is not allowed: {PLAIN}"),
    "through a value": ("horizon_days.x=1", "--set: horizon_days.x: horizon_days holds 365, not a mapping"),
    "past the end of a list": ("recipients.send_day_factors.9=1",
                               "--set: recipients.send_day_factors.9: recipients.send_day_factors is a list of 7: "
                               "set it whole"),
    "extends": ("extends=other.yaml", "--set: extends: is not a scenario key that can be overridden"),
}


@pytest.mark.parametrize("override, expected", OVERRIDE_ERRORS.values(), ids=OVERRIDE_ERRORS.keys())
def test_bad_overrides_give_exact_errors(override, expected):
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text("horizon_days: 365\n", filename="x.yaml", overrides=[override])
    assert [str(p) for p in caught.value.problems] == [expected]


def test_override_problems_come_after_the_file_problems():
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text("seed: -1\n", filename="x.yaml", overrides=["horizon_days=0"])
    assert [p.file for p in caught.value.problems] == ["x.yaml", "--set"]


def test_an_override_can_fix_a_bad_file():
    assert load_scenario_text("horizon_days: -1\n", overrides=["horizon_days=30"]).horizon_days == 30


# ----- sweep -----

def test_the_sweep_grid_is_read_and_left_out_of_the_scenario(tmp_path):
    path = write(tmp_path, "s.yaml", """\
        seed: 3
        sweep:
          plans.premium_business.credits_per_month: [10, 15, 20]
          inbox.when_full: [bounce, evict_oldest]
    """)
    assert load_sweep_grid(path) == {"plans.premium_business.credits_per_month": [10, 15, 20],
                                     "inbox.when_full": ["bounce", "evict_oldest"]}
    assert load_scenario(path).seed == 3
    point = load_scenario(path, overrides={"plans.premium_business.credits_per_month": 20})
    assert point.plans["premium_business"].credits_per_month == 20


def test_a_sweep_is_not_inherited(tmp_path):
    write(tmp_path, "base.yaml", "sweep: {seed: [1, 2]}\n")
    assert load_sweep_grid(write(tmp_path, "child.yaml", "extends: base.yaml\n")) == {}


def test_sweep_values_are_checked_like_overrides(tmp_path):
    path = write(tmp_path, "s.yaml", """\
        warmup_days: 30
        sweep:
          plans.premium_business.credits_per_month: [10, -5, 10]
          horizon_days: [365, 20]
          inbox.capacty: [5]
          seed: 4
    """)
    with pytest.raises(ScenarioError) as caught:
        load_scenario_and_sweep(path)
    assert [str(p).removeprefix(f"{path}:") for p in caught.value.problems] == [
        "3:50: plans.premium_business.credits_per_month: must be an integer >= 0, got -5",
        "3:54: sweep.plans.premium_business.credits_per_month: lists 10 twice",
        "4:23: sweep.horizon_days: with horizon_days = 20, warmup_days: must be shorter than horizon_days (20), got 30",
        "5:19: inbox.capacty: unknown key (did you mean 'capacity'?)",
        "6:3: sweep.seed: must be a non-empty list of values, e.g. [10, 15, 20], got 4",
    ]


def test_a_misspelt_plan_in_an_override_is_refused():
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text("name: x\n", "x.yaml", overrides=["plans.premium_busines.credits_per_month=20"])
    assert [str(p) for p in caught.value.problems] == [
        "--set: plans.premium_busines: no member can ever be on this plan: it is not in plan_mix and subscriber "
        "dynamics are off (did you mean 'premium_business'?)"]


@pytest.mark.parametrize("text", [
    "plans: {premium_business: {}, gold: {}}\nplan_mix: {premium_business: 1, gold: 0}\n",  # in the mix at 0
    "plans: {premium_business: {}, gold: {}}\nsubscribers: {enabled: true, plans: {gold: {arrivals_per_month: 3}}}\n",
    "plans: {premium_business: {}, gold: {}}\n"
    "subscribers: {enabled: true, plans: {premium_business: {switch_to: {gold: 0.1}}}}\n",
    "plans: {premium_business: {}, gold: {}}\n"
    "subscribers: {enabled: true, withdrawals: [{plan: premium_business, at_day: 100, move_to: gold}]}\n",
], ids=["share 0 in the mix", "arrivals", "switches", "withdrawal"])
def test_a_plan_outside_the_mix_that_members_can_reach_is_accepted(text):
    assert "gold" in load_scenario_text(text, "x.yaml").plans


def test_a_free_plan_with_a_negative_arrival_elasticity_is_refused():
    text = ("plans: {basic: {price_per_month: 0}}\nplan_mix: {basic: 1}\nsubscribers:\n  enabled: true\n  plans:\n"
            "    basic: {reference_price: 10, arrival_price_elasticity: -1.2}\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text(text, "free.yaml")
    [problem] = caught.value.problems
    assert problem.path == "subscribers.plans.basic.arrival_price_elasticity" and problem.line == 6
    assert "infinite" in problem.message
    load_scenario_text(text.replace("-1.2", "0"), "free.yaml")  # no elasticity: a free plan is fine
