"""Reports list subscriber-dynamics assumptions whenever a scenario uses them, and only then."""
import yaml

from sim.report import build_report

from test_report import write_run

DYNAMICS = {
    "enabled": True, "value_lookback_months": 3,
    "plans": {"premium_business": {"reference_price": 59.99, "arrivals_per_month": 30,
                                   "arrival_price_elasticity": -1.2, "churn_per_month": 0.05,
                                   "churn_price_elasticity": 0.8, "churn_value_effect": 0.15,
                                   "switch_to": {"premium_career": 0.005}}},
}


def with_dynamics(folder, dynamics):
    scenario = yaml.safe_load((folder / "scenario.yaml").read_text())
    scenario["subscribers"] = dynamics
    (folder / "scenario.yaml").write_text(yaml.safe_dump(scenario, sort_keys=False))


def test_run_report_lists_the_dynamics_assumptions(tmp_path):
    write_run(tmp_path)
    with_dynamics(tmp_path, DYNAMICS)
    build_report(tmp_path)
    html = (tmp_path / "report.html").read_text()
    markdown = (tmp_path / "report.md").read_text()
    for text in (html, markdown):
        assert "Subscriber dynamics (assumptions)" in text
        assert "-1.2" in text and "0.15" in text and "premium_career: 0.005" in text


def test_no_assumptions_table_without_dynamics(tmp_path):
    write_run(tmp_path)
    with_dynamics(tmp_path, {"enabled": False})
    build_report(tmp_path)
    assert "assumptions" not in (tmp_path / "report.md").read_text().lower()
