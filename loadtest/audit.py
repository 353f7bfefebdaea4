"""After the load: what the ledger says was acknowledged, against what the database, the SMS gateway and the
CPGRAMS simulator hold. Each check is a sentence and a list of offenders (empty when it holds)."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa


@dataclass
class Check:
    name: str
    figure: str
    offenders: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.offenders


def read_ledger(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def audit(engine: sa.Engine, ledger: list[dict], gateway, simulator) -> list[Check]:
    checks = []
    with engine.connect() as conn:
        q = lambda sql, **kw: conn.execute(sa.text(sql), kw).all()  # noqa: E731

        # 1. Every acknowledged filing exists exactly once.
        filed = [e for e in ledger if e["kind"] == "filed"]
        by_key = {}
        for e in filed:
            by_key.setdefault(e["key"], set()).add(e["number"])
        rows = {key: (number, n) for key, number, n in q(
            "SELECT client_key, min(number), count(*) FROM grievance WHERE client_key IS NOT NULL GROUP BY client_key")}
        offenders = [key for key, numbers in by_key.items()
                     if len(numbers) != 1 or key not in rows or rows[key][1] != 1 or rows[key][0] not in numbers]
        unacknowledged = len(set(rows) - set(by_key))
        replayed = sum(1 for e in filed if e["status"] == 200)
        checks.append(Check("every acknowledged filing exists exactly once",
                            f"{len(by_key)} acknowledged, {len(by_key) - len(offenders)} found once; {replayed} answered "
                            f"from an earlier attempt (Idempotency-Key); {unacknowledged} filed but never acknowledged "
                            f"(the client gave up)", offenders))
        gave_up = [e["key"] for e in ledger if e["kind"] == "gave_up"]
        refused = [e for e in ledger if e["kind"] == "refused"]
        checks.append(Check("no filing refused as invalid or given up", f"{len(refused)} refused, {len(gave_up)} given up",
                            [e["body"] for e in refused] + gave_up))

        # 2. Every SMS eventually sent once: no notification left waiting or dead; the gateway got each key once.
        statuses = dict(q("SELECT status, count(*) FROM notification GROUP BY status"))
        not_sent = [f"{status}: {n}" for status, n in statuses.items() if status != "sent"]
        received = Counter(m.reference for m in gateway.messages)
        sms_keys = [k for (k,) in q("SELECT key FROM notification WHERE channel = 'sms' AND status = 'sent'")]
        wrong = [(k, received.get(k, 0)) for k in sms_keys if received.get(k, 0) != 1]
        strays = [k for k in received if k not in set(sms_keys)]
        checks.append(Check("every notification sent (none waiting, failed or dead)",
                            f"{sum(statuses.values())} notifications: {dict(statuses)}", not_sent))
        checks.append(Check("every SMS reached the gateway exactly once",
                            f"{len(sms_keys)} SMS sent, {len(gateway.messages)} accepted by the gateway, "
                            f"{gateway.failed} attempts refused by it (503), {gateway.lookups} interrupted attempts "
                            f"looked up", wrong + strays))
        otps = {e["mobile"] for e in ledger if e["kind"] == "otp"}
        otp_sent = {to[3:] for (to,) in q("SELECT recipient FROM notification WHERE template = 'otp' AND status = 'sent'")}
        checks.append(Check("every OTP asked for was sent", f"{len(otps)} asked, {len(otps & otp_sent)} sent",
                            sorted(otps - otp_sent)))

        # 3. No grievance escalated twice for one lapse; the counters agree with the events.
        escalations = q("SELECT grievance_id, data FROM grievance_event WHERE kind = 'escalated'")
        per_lapse = Counter()
        for grievance_id, data in escalations:
            data = json.loads(data) if isinstance(data, str) else data
            per_lapse[(grievance_id, data["from_level"], data["lapsed_due_at"])] += 1
        twice = [key for key, n in per_lapse.items() if n > 1]
        counted = q("SELECT g.id, g.escalation_count, (SELECT count(*) FROM grievance_event e WHERE e.grievance_id = g.id "
                    "AND e.kind = 'escalated') FROM grievance g WHERE g.escalation_count > 0 OR EXISTS (SELECT 1 FROM "
                    "grievance_event e WHERE e.grievance_id = g.id AND e.kind = 'escalated')")
        mismatched = [(gid, n, events) for gid, n, events in counted if n != events]
        checks.append(Check("no grievance escalated twice for one lapse",
                            f"{len(escalations)} escalations of {len(counted)} grievances", twice + mismatched))

        # 4. No audit event missing: one 'filed' each, an 'assigned', every acknowledged action, the status agrees.
        missing_filed = q("SELECT g.number FROM grievance g WHERE (SELECT count(*) FROM grievance_event e WHERE "
                          "e.grievance_id = g.id AND e.kind = 'filed') <> 1 OR NOT EXISTS (SELECT 1 FROM grievance_event e "
                          "WHERE e.grievance_id = g.id AND e.kind = 'assigned')")
        actions = Counter((e["number"], e["action"]) for e in ledger if e["kind"] == "action")
        kinds = {"accept": "accepted", "resolve": "resolved"}
        recorded = Counter((number, kind) for number, kind in q(
            "SELECT g.number, e.kind FROM grievance_event e JOIN grievance g ON g.id = e.grievance_id "
            "WHERE e.actor_kind = 'officer'"))
        missing_actions = [(number, action) for (number, action), n in actions.items()
                           if recorded.get((number, kinds[action]), 0) < n]
        last = q("SELECT g.number, g.status, (SELECT e.to_status FROM grievance_event e WHERE e.grievance_id = g.id "
                 "AND e.to_status IS NOT NULL ORDER BY e.id DESC LIMIT 1) FROM grievance g")
        disagree = [(number, status, event) for number, status, event in last if status != event]
        total = q("SELECT count(*) FROM grievance")[0][0]
        events = q("SELECT count(*) FROM grievance_event")[0][0]
        checks.append(Check("no audit event missing",
                            f"{total} grievances, {events} events; {sum(actions.values())} acknowledged officer actions",
                            [r[0] for r in missing_filed] + missing_actions + disagree))

        # 5. CPGRAMS: each grievance of the feed taken in once; each update sent back delivered.
        feed = [g["registration_number"] for g in simulator.grievances]
        taken = Counter(r for (r,) in q("SELECT registration_number FROM cpgrams_grievance"))
        cp_missing = [r for r in feed if taken.get(r, 0) != 1]
        unfiled = [r for (r,) in q("SELECT registration_number FROM cpgrams_grievance WHERE state NOT IN ('filed', 'triage')")]
        outbox = dict(q("SELECT status, count(*) FROM cpgrams_outbox GROUP BY status"))
        undelivered = [f"{status}: {n}" for status, n in outbox.items() if status != "sent"]
        checks.append(Check("every CPGRAMS grievance taken in once and every update delivered",
                            f"{len(feed)} in the feed, {sum(taken.values())} taken in; outbox {dict(outbox)}; "
                            f"{len(simulator.updates)} updates received by CPGRAMS ({len(simulator.update_log)} deliveries)",
                            cp_missing + unfiled + undelivered))
    return checks
