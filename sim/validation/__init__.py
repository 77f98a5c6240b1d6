"""Model validation: the engine against closed-form theory (queueing, Markov chains, Poisson thinning).

`cases.all_cases()` lists the validation cases, `check.run_cases` runs and judges them, `report.render` writes the
table of `docs/validation.md`; `run_sim.py validate-model` does all three.
"""
