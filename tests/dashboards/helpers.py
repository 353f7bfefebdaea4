"""Hand-made grievances with known figures: six Revenue grievances filed in January 2026, seen on 1 February 2026.

    A  Anekal, RTC (Spl. Tahsildar)  WEB            filed 30 Jan  open                         due 10 Feb
    B  Anekal, mutation (Tahsildar)  CPGRAMS        filed 20 Jan  accepted, overdue            due 28 Jan
    C  Hunsur, RTC (Tahsildar)       HELPLINE_1902  filed  5 Jan  closed: resolved 10 Jan, on time, rated 4, satisfied
    D  Anekal, RTC (Spl. Tahsildar)  WEB            filed  6 Jan  rejected 26 Jan, late (due 20 Jan)
    E  Hunsur, RTC (Tahsildar)       CPGRAMS        filed  1 Jan  reopened, escalated to L2, overdue, rated 1, not satisfied
    F  Anekal, mutation (Tahsildar)  WEB            filed 15 Jan  awaiting the citizen, escalated to L2
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from ipgrs.grievances.models import Grievance
from tests.officers.helpers import mutation_in_anekal, rtc_in_anekal, rtc_in_hunsur

IST = ZoneInfo("Asia/Kolkata")
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=IST).astimezone(timezone.utc)


def ist(day: int, month: int = 1, hour: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=IST).astimezone(timezone.utc)


def _set(session, g: Grievance, **values) -> Grievance:
    for name, value in values.items():
        setattr(g, name, value)
    session.commit()
    return g


def six_grievances(session) -> dict[str, Grievance]:
    out = {}
    out["A"] = _set(session, rtc_in_anekal(session), channel="WEB", created_at=ist(30), status="open", due_at=ist(10, 2))
    out["B"] = _set(session, mutation_in_anekal(session), channel="CPGRAMS", created_at=ist(20), status="accepted", due_at=ist(28))
    out["C"] = _set(session, rtc_in_hunsur(session), channel="HELPLINE_1902", created_at=ist(5), status="closed",
                    resolved_at=ist(10), closed_at=ist(12), due_at=ist(15), rating=4, satisfied=True)
    out["D"] = _set(session, rtc_in_anekal(session), channel="WEB", created_at=ist(6), status="rejected",
                    resolved_at=ist(26), due_at=ist(20))
    out["E"] = _set(session, rtc_in_hunsur(session), channel="CPGRAMS", created_at=datetime(2026, 1, 1, 0, 0, tzinfo=IST),
                    status="reopened", reopen_count=1, escalation_count=1, level=2, due_at=ist(25), rating=1, satisfied=False)
    out["F"] = _set(session, mutation_in_anekal(session), channel="WEB", created_at=ist(15), status="awaiting_citizen",
                    escalation_count=1, level=2, due_at=ist(20), paused_at=ist(18))
    return out


JANUARY = {"from": "2026-01-01", "to": "2026-01-31"}
