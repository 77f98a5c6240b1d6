"""Members whose credit ledgers, member lists and responses live in the compiled engine's arrays.

`ArrayMembers` is `sim.world.members.Members` (who is subscribed, joins, leaves, switches, value) with its ledger
operations done by the compiled ledger (ledger.py) on the run's sender rows, and every change of a plan's member
list mirrored into `AS`/`ACNT`, where the kernel looks up which sender a wish's slot belongs to.
"""
from __future__ import annotations

import numpy as np

from ..members import Members, next_first_of_month
from .ledger import cancel, init_ledgers, open_joined
from .room import aligned_zeros


class ArrayMembers(Members):
    def __init__(self, run, track_value: bool):
        self.run = run  # the arrays: S (sender rows), RM (responses by month), AS/ACNT (member lists)
        super().__init__(run, track_value)
        for p, members in enumerate(self.active):
            run.AS[p, :len(members)] = members
            run.ACNT[p] = len(members)

    def _open_accounts(self, first_refresh: list[float]) -> None:
        run = self.run
        init_ledgers(np.asarray(first_refresh, dtype=float), np.asarray(self.sender_plan, dtype=np.int64), run.S,
                     run.CC, run.G, run.PL, run.P, run.K)

    def _open_joined(self, s: int, p: int, t: float) -> None:
        run = self.run
        run.make_room_for_sender(s)
        first_of_month = self.plans[p].refresh == "first_of_month"
        first = next_first_of_month(t) if first_of_month else t
        open_joined(run.S, s, p, t, first, first_of_month, run.CC, run.G, run.PL, run.P, run.K)

    def cancel_ledger(self, s: int, t: float) -> float:
        run = self.run
        keep = self.plans[self.sender_plan[s]].on_cancel == "keep_until_cycle_end"
        return float(cancel(run.S, s, t, keep, run.CC, run.G, run.PL, run.P, run.K))

    def _response_rows(self, n: int):
        return self.run.RM

    def _new_response_row(self) -> None:
        self.responses = self.run.RM  # grown with the sender rows

    def _slot_changed(self, p: int, i: int) -> None:
        run, members = self.run, self.active[p]
        if i >= run.AS.shape[1]:
            grown = np.full((run.AS.shape[0], 2 * i + 64), -1, dtype=np.int64)
            grown[:, :run.AS.shape[1]] = run.AS
            run.AS = grown
        run.AS[p, i] = members[i] if i < len(members) else -1
        run.ACNT[p] = len(members)


def grow_rows(a: np.ndarray, rows: int, aligned: bool = False) -> np.ndarray:
    """`a` with at least `rows` rows (doubling), the new rows zero."""
    size = a.shape[0]
    while size < rows:
        size = 2 * size + 64
    if size == a.shape[0]:
        return a
    b = aligned_zeros((size,) + a.shape[1:]) if aligned else np.zeros((size,) + a.shape[1:], dtype=a.dtype)
    b[:a.shape[0]] = a
    return b


__all__ = ["ArrayMembers", "grow_rows"]
