"""Children's social workers: posts, vacancies, agency cover, caseloads and cost.

The DfE's definitions (Children's social work workforce): the vacancy rate is vacant posts
over vacant plus filled permanent posts; the agency rate is agency workers over agency plus
permanent workers (FTE). So with `posts` established posts,

    permanent = posts x (1 - vacancy)       vacant = posts x vacancy
    agency    = permanent x agency / (1 - agency)

Posts follow the cases, not the children looked after alone: a child looked after more or fewer
is one case more or fewer among all the cases social workers hold (children in need and on child
protection plans too: 4,420 cases in Leeds in 2025 beside about 1,500 children looked after), and
posts keep the caseload as it was. So 100 fewer children looked after take 100 / cases of the
posts away, not 100 / children looked after. The cases on the origin are the council's own
(workforce census) or its children looked after times England's cases per child looked after. An agency cap holds agency workers at
`max_agency_percent` of the workforce; `converted_percent` of the agency workers cut are
replaced by permanent staff, the rest are not replaced, and the caseload of those left rises.
Cost: permanent FTE x cost of a permanent FTE + agency FTE x cost of an agency FTE, a year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Workforce:
    permanent: np.ndarray
    agency: np.ndarray
    vacant: np.ndarray
    caseload: np.ndarray
    annual_cost: np.ndarray

    @property
    def agency_percent(self) -> np.ndarray:
        staff = self.permanent + self.agency
        return np.where(staff > 0, 100.0 * self.agency / np.where(staff > 0, staff, 1), 0.0)


def project(children, children_now: float, posts_now: float, *, vacancy_percent: float, agency_percent: float,
            caseload_now: float, cost_permanent: float, cost_agency: float, cap_percent=None,
            converted_percent=None, cases_now: float | None = None) -> Workforce:
    """The workforce as demand changes (`children`: children looked after, any array shape;
    `children_now` on the day the posts are `posts_now` and the cases `cases_now`; None: posts
    move one for one with the children). `cap_percent` and `converted_percent`: an agency cap in
    force (arrays broadcast with `children`, NaN or None: no cap)."""
    children = np.asarray(children, dtype=float)
    if cases_now:
        scale = np.maximum(cases_now + children - children_now, 0.0) / cases_now
    else:
        scale = children / children_now if children_now else np.ones_like(children)
    posts = posts_now * scale
    v, a = vacancy_percent / 100.0, agency_percent / 100.0
    permanent = posts * (1 - v)
    vacant = posts * v
    agency = permanent * a / (1 - a) if a < 1 else vacant
    if cap_percent is not None:
        cap = np.broadcast_to(np.asarray(cap_percent, dtype=float), children.shape)
        conv = np.broadcast_to(np.asarray(100.0 if converted_percent is None else converted_percent, dtype=float),
                               children.shape) / 100.0
        capped = np.isfinite(cap) & (cap < 100 * a)
        c = np.where(capped, cap, 0.0) / 100.0
        # agency left after conversion: agency' = c / (1 - c) x permanent'
        # permanent' = permanent + conv x cut, agency' = agency - cut; solve for cut
        denom = 1 + conv * c / np.where(c < 1, 1 - c, 1)
        cut = (agency - c / np.where(c < 1, 1 - c, 1) * permanent) / denom
        cut_total = np.where(capped, np.maximum(cut, 0.0), 0.0)
        permanent = permanent + conv * cut_total
        vacant = np.maximum(vacant - conv * cut_total, 0.0)
        agency = agency - cut_total
    staff_now = posts_now * (1 - v) / (1 - a) if a < 1 else posts_now
    cases = caseload_now * staff_now * scale  # cases grow with the children
    staff = permanent + agency
    caseload = np.where(staff > 0, cases / np.where(staff > 0, staff, 1), np.inf)
    cost = permanent * cost_permanent + agency * cost_agency
    return Workforce(permanent, agency, vacant, caseload, cost)
