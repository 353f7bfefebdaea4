"""Mixed traffic for the load test (loadtest/run.py starts locust with this file; docs/reliability.md).

Citizens file (with an Idempotency-Key, re-sent with the same key after an error or a lost answer, as the app
does) and track their grievances, and ask for OTPs from many addresses (X-Forwarded-For: the platform runs with
IPGRS_PROXY_HOPS=1, as behind a proxy); officers read their inbox and accept and resolve what is theirs; one
nodal officer publishes their department now and then. Every acknowledged filing and action is written to a
ledger (one JSON line each) that loadtest/audit.py checks against the database afterwards.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import threading
import time
import uuid

from locust import HttpUser, between, events, task

ACCOUNTS = json.loads(open(os.environ["LOADTEST_ACCOUNTS"], encoding="utf-8").read())
LEDGER_PATH = os.environ["LOADTEST_LEDGER"]
NODAL_EVERY = float(os.environ.get("LOADTEST_NODAL_EVERY", "30"))
_citizens = itertools.cycle(ACCOUNTS["citizens"])
_officers = itertools.cycle(ACCOUNTS["officers"])
_ledger_lock = threading.Lock()
_ledger = open(LEDGER_PATH, "a", encoding="utf-8")

RETRIES = 8  # a filing is re-sent this many times (a PostgreSQL restart, a dropped connection)
RTC = {"grievance_type": "REV_RTC_NOT_ISSUED", "category": "DELAY", "subcategory": "OVER_30_DAYS",
       "description": "Applied for the RTC of my land two months ago and it has not been issued yet.",
       "form": {"survey_number": "123/2A", "village_name": "Bilikere"}}


def record(kind: str, **fields) -> None:
    with _ledger_lock:
        _ledger.write(json.dumps({"kind": kind, "at": time.time(), **fields}) + "\n")
        _ledger.flush()


@events.quitting.add_listener
def _close(environment, **_kwargs):
    _ledger.close()


class Citizen(HttpUser):
    weight = 6
    wait_time = between(0.5, 2.0)

    def on_start(self):
        account = next(_citizens)
        self.headers = {"Authorization": f"Bearer {account['token']}"}
        self.numbers: list[str] = []

    @task(3)
    def file(self):
        key = str(uuid.uuid4())
        body = dict(RTC, location=random.choice(ACCOUNTS["places"]))
        for attempt in range(1, RETRIES + 1):
            with self.client.post("/api/v1/grievances", json=body, headers={**self.headers, "Idempotency-Key": key},
                                  name="file", catch_response=True) as answer:
                if answer.status_code in (200, 201):
                    number = answer.json()["grievance"]["number"]
                    self.numbers.append(number)
                    record("filed", key=key, number=number, status=answer.status_code, attempts=attempt)
                    return
                if answer.status_code == 400:  # our own filing is wrong: a defect of this file, not of the platform
                    answer.failure(f"400 {answer.text[:200]}")
                    record("refused", key=key, body=answer.text[:300])
                    return
                answer.failure(f"{answer.status_code or 'no answer'}; re-sent with the same key")
            time.sleep(min(2 ** attempt * 0.25, 4))
        record("gave_up", key=key)

    @task(2)
    def list_mine(self):
        self.client.get("/api/v1/grievances", headers=self.headers, name="list mine")

    @task(2)
    def track(self):
        if self.numbers:
            self.client.get(f"/api/v1/grievances/{random.choice(self.numbers)}", headers=self.headers, name="track one")

    @task(1)
    def ask_for_an_otp(self):
        mobile = f"9{random.randint(100000000, 999999999)}"
        address = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
        with self.client.post("/api/v1/auth/otp", json={"mobile": mobile}, headers={"X-Forwarded-For": address},
                              name="otp", catch_response=True) as answer:
            if answer.status_code == 202:
                record("otp", mobile=mobile)
            elif answer.status_code == 429:
                answer.success()  # a rate limit doing its job is not an error


class Officer(HttpUser):
    weight = 2
    wait_time = between(1.0, 3.0)

    def on_start(self):
        self.username = next(_officers)
        self.token = None

    def _login(self) -> bool:
        answer = self.client.post("/api/v1/security/login", name="officer login",
                                  json={"username": self.username, "password": self.username, "provider": "db"})
        if answer.status_code == 200:
            self.token = answer.json()["access_token"]
        return self.token is not None

    @property
    def headers(self):
        return {"Authorization": f"Bearer {self.token}"}

    @task(3)
    def inbox(self):
        if self.token or self._login():
            self.client.get("/api/v1/officer/grievances?status=pending&scope=mine", headers=self.headers, name="inbox")

    @task(2)
    def act(self):
        if not (self.token or self._login()):
            return
        answer = self.client.get("/api/v1/officer/grievances?status=open,accepted&scope=mine&sort=filed",
                                 headers=self.headers, name="inbox")
        if answer.status_code != 200 or not answer.json()["grievances"]:
            return
        number = random.choice(answer.json()["grievances"])["number"]
        one = self.client.get(f"/api/v1/officer/grievances/{number}", headers=self.headers, name="officer grievance")
        if one.status_code != 200:
            return
        grievance = one.json()["grievance"]
        action, fields = ("accept", {}) if grievance["status"] == "open" else (
            "resolve", {"report": "Visited the village office; the RTC has been issued and handed to the citizen."})
        with self.client.post(f"/api/v1/officer/grievances/{number}/{action}", headers=self.headers,
                              json={"expected_version": grievance["row_version"], **fields}, name=f"officer {action}",
                              catch_response=True) as done:
            if done.status_code == 200:
                record("action", number=number, action=action)
            elif done.status_code == 409:
                done.success()  # another officer or the escalation sweep moved it first: the lock did its job


class NodalOfficer(HttpUser):
    fixed_count = 1
    wait_time = between(NODAL_EVERY * 0.8, NODAL_EVERY * 1.2)

    def on_start(self):
        nodal = ACCOUNTS["nodal"]
        self.code, self.published = nodal["department"], 0
        answer = self.client.post("/api/v1/security/login", name="nodal login",
                                  json={"username": nodal["username"], "password": nodal["password"], "provider": "db"})
        self.token = answer.json().get("access_token") if answer.status_code == 200 else None

    @task
    def publish(self):
        if self.token is None:
            return
        headers = {"Authorization": f"Bearer {self.token}"}
        current = self.client.get(f"/api/v1/config/departments/{self.code}", headers=headers, name="config read")
        if current.status_code != 200:
            return
        body = current.json()
        self.published += 1
        text = body["text"].rstrip("\n").split("\n# load test edit")[0] + f"\n# load test edit {self.published}\n"
        with self.client.post(f"/api/v1/config/departments/{self.code}/publish", headers=headers, name="config publish",
                              json={"text": text, "base_version_id": body["version_id"], "message": "load test"},
                              catch_response=True) as answer:
            if answer.status_code == 200:
                record("published", version_id=answer.json()["version_id"])
            elif answer.status_code == 409:
                answer.success()
