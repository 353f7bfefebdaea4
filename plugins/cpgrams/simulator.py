"""A CPGRAMS simulator: the far side of the protocol in README.md, for tests and the `make run` demo.

It serves pages of Karnataka grievances, receives status updates and action-taken reports (de-duplicated on the
message key), answers status queries, and can misbehave on purpose: down, timeout, 500, malformed JSON, slow,
duplicates, out-of-order pages.

    python -m plugins.cpgrams.simulator --port 8765 --seed 3

Control (tests, or by hand): POST /_sim/fault {"mode": "500", "count": 2, "scope": "pull"|"update"|"all"},
POST /_sim/grievances {"count": 2} or {"grievances": [...]}, GET /_sim/state; the page at / shows everything.
"""
from __future__ import annotations

import argparse
import json
import random
import threading
import time
from datetime import datetime, timedelta, timezone

from flask import Flask, Response, jsonify, request
from markupsafe import escape
from werkzeug.serving import WSGIRequestHandler, make_server

MODES = ("down", "timeout", "500", "malformed", "slow", "duplicates", "out_of_order")

SAMPLES = [
    ("KA-REV", "RTC", "Bengaluru Urban", "Anekal", "562106",
     "I applied for the RTC (pahani) of survey number 45/2 in Anekal two months ago and it has not been issued."),
    ("KA-ENERGY", "BILL", "Mysuru", "Hunsur", "571105",
     "My electricity bill for October is five times the usual amount although the meter reading is normal."),
    ("KA-RDPR", "MGNREGA-WAGES", "Mysuru", "Hunsur", "571105",
     "Wages for 30 days of MGNREGA work on the village tank have not been paid for three months."),
    ("KA-FOREST", "ELEPHANT", "Mysuru", "Hunsur", "571105",
     "Wild elephants destroyed my banana crop last week; no officer has come to assess the loss."),
]


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # tests start hundreds of requests; errors are still logged
        pass


class Simulator:
    def __init__(self, page_size_cap: int = 100):
        self.lock = threading.Lock()
        self.grievances: list[dict] = []        # the feed, in CPGRAMS' order (the cursor is a position in it)
        self.updates: dict[str, dict] = {}      # message key → the update (first delivery)
        self.update_log: list[str] = []         # every delivery attempt that reached us, by key
        self.status: dict[str, dict] = {}       # registration number → {"status", "sequence", "history"}
        self.requests = 0
        self.fault: str | None = None
        self.fault_count: int | None = None     # None: until cleared
        self.fault_scope = "all"
        self.delay = 0.0                        # seconds for "slow" and "timeout"
        self.page_size_cap = page_size_cap
        self._seq = 0
        self._server = None
        self._thread = None
        self.port = None

    # --- the feed --------------------------------------------------------------------------------------------
    def add(self, count: int = 1, **overrides) -> list[dict]:
        out = []
        with self.lock:
            for _ in range(count):
                self._seq += 1
                org, cat, district, taluk, pin, text = SAMPLES[(self._seq - 1) % len(SAMPLES)]
                filed = datetime(2026, 11, 1, tzinfo=timezone.utc) + timedelta(hours=self._seq)
                record = {
                    "registration_number": f"DARPG/E/2026/{self._seq:07d}",
                    "state": "KA",
                    "organisation": {"code": org, "name": org},
                    "category": {"code": cat, "name": cat},
                    "citizen": {"name": f"Citizen {self._seq}", "mobile": f"98{self._seq:08d}", "email": None,
                                "gender": "female" if self._seq % 2 else "male", "language": "en",
                                "address": {"district": district, "sub_district": taluk, "locality": "Ward 1", "pincode": pin}},
                    "grievance_text": f"{text} (CPGRAMS sample {self._seq})",
                    "attachments": [],
                    "date_of_receipt": filed.isoformat(),
                    "status": "UNDER_PROCESS",
                }
                record.update(overrides)
                self.grievances.append(record)
                self.status[record["registration_number"]] = {"status": "UNDER_PROCESS", "sequence": -1, "history": []}
                out.append(record)
        return out

    def set_fault(self, mode: str | None, count: int | None = None, scope: str = "all", delay: float | None = None):
        if mode is not None and mode not in MODES:
            raise ValueError(f"unknown fault {mode!r}; one of {', '.join(MODES)}")
        with self.lock:
            self.fault, self.fault_count, self.fault_scope = mode, count, scope
            if delay is not None:
                self.delay = delay
        if mode == "down":
            self.stop()

    def _take_fault(self, scope: str) -> str | None:
        with self.lock:
            self.requests += 1
            if self.fault is None or self.fault_scope not in ("all", scope):
                return None
            mode = self.fault
            if self.fault_count is not None:
                self.fault_count -= 1
                if self.fault_count <= 0:
                    self.fault, self.fault_count = None, None
            return mode

    # --- the Flask app ---------------------------------------------------------------------------------------
    def app(self) -> Flask:
        app = Flask("cpgrams_simulator")
        sim = self

        def misbehave(mode):
            if mode in ("timeout", "slow"):
                time.sleep(sim.delay)
            if mode == "500":
                return Response('{"error": "internal"}', status=500, mimetype="application/json")
            if mode == "malformed":
                return Response('{"items": [{"registration_number": "DARPG/E/20', status=200, mimetype="application/json")
            return None

        @app.get("/api/v1/states/<state>/grievances")
        def page(state):
            mode = sim._take_fault("pull")
            bad = misbehave(mode)
            if bad is not None:
                return bad
            try:
                start = int(request.args.get("cursor") or 0)
                limit = max(1, min(int(request.args.get("limit") or 50), sim.page_size_cap))
            except ValueError:
                return jsonify(error="bad cursor"), 400
            with sim.lock:
                feed = [g for g in sim.grievances if g["state"] == state]
                items = [dict(g) for g in feed[start:start + limit]]
                end = start + len(items)
                has_more = end < len(feed)
                if mode == "duplicates":  # every item twice, and the previous page's last item again
                    items = items + [dict(g) for g in items] + ([dict(feed[start - 1])] if start > 0 else [])
                if mode == "out_of_order":  # a page in no particular order, newest first
                    random.Random(start).shuffle(items)
            return jsonify(items=items, next_cursor=str(end), has_more=has_more)

        @app.post("/api/v1/updates")
        def update():
            mode = sim._take_fault("update")
            bad = misbehave(mode)
            if bad is not None:
                return bad
            message = request.get_json(silent=True)
            key = request.headers.get("Idempotency-Key")
            if not isinstance(message, dict) or not key or message.get("message_key") != key:
                return jsonify(error="an update needs a JSON body and an Idempotency-Key equal to its message_key"), 400
            with sim.lock:
                sim.update_log.append(key)
                number = message.get("registration_number")
                if number not in sim.status:
                    return jsonify(error="unknown registration number"), 404
                duplicate = key in sim.updates
                if not duplicate:
                    sim.updates[key] = message
                    state = sim.status[number]
                    state["history"].append(key)
                    if int(message.get("sequence") or 0) >= state["sequence"]:  # older news never overwrites newer
                        state["status"], state["sequence"] = message.get("status"), int(message.get("sequence") or 0)
                        if message.get("action_taken_report"):
                            state["action_taken_report"] = message["action_taken_report"]
            return jsonify(accepted=True, duplicate=duplicate)

        @app.get("/api/v1/grievance-status")
        def status():
            mode = sim._take_fault("status")
            bad = misbehave(mode)
            if bad is not None:
                return bad
            number = request.args.get("registration_number")
            with sim.lock:
                state = sim.status.get(number)
                if state is None:
                    return jsonify(error="unknown registration number"), 404
                return jsonify(registration_number=number, status=state["status"], sequence=state["sequence"])

        @app.post("/_sim/fault")
        def fault():
            body = request.get_json(silent=True) or {}
            try:
                sim.set_fault(body.get("mode"), body.get("count"), body.get("scope", "all"), body.get("delay"))
            except ValueError as exc:
                return jsonify(error=str(exc)), 400
            return jsonify(ok=True)

        @app.post("/_sim/grievances")
        def add_grievances():
            body = request.get_json(silent=True) or request.form or {}
            added = sim.add(int(body.get("count") or 1))
            if request.form:
                return Response(status=303, headers={"Location": "/"})
            return jsonify(added=[g["registration_number"] for g in added])

        @app.get("/_sim/state")
        def state():
            with sim.lock:
                return jsonify(grievances=len(sim.grievances), updates=sim.updates, update_log=sim.update_log,
                               status=sim.status, requests=sim.requests, fault=sim.fault)

        @app.get("/")
        def index():
            def updates_of(number):
                return "".join(f"<div><b>{escape(sim.updates[k].get('event'))}</b> ({escape(sim.updates[k].get('status'))}): "
                               f"{escape(sim.updates[k].get('remarks') or '')}</div>" for k in sim.status[number]["history"])

            with sim.lock:
                rows = "".join(
                    f"<tr><td>{escape(g['registration_number'])}</td>"
                    f"<td>{escape(g['organisation']['code'])} / {escape(g['category']['code'])}</td>"
                    f"<td>{escape(sim.status[g['registration_number']]['status'])}</td>"
                    f"<td>{updates_of(g['registration_number'])}</td></tr>" for g in sim.grievances)
            return (f"<!doctype html><title>CPGRAMS simulator</title><h1>CPGRAMS simulator (state KA)</h1>"
                    f"<form method=post action='/_sim/grievances'><input type=hidden name=count value=1>"
                    f"<button>File a new grievance on CPGRAMS</button></form>"
                    f"<table border=1 cellpadding=4><tr><th>Registration number</th><th>Organisation / category</th>"
                    f"<th>Status</th><th>Updates from Karnataka (status, ATR)</th></tr>{rows}</table>")

        return app

    # --- serving ---------------------------------------------------------------------------------------------
    def start(self, port: int = 0, host: str = "127.0.0.1") -> "Simulator":
        self._server = make_server(host, port or self.port or 0, self.app(), threaded=True, request_handler=_Quiet)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="cpgrams-simulator", daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def restart(self) -> None:
        """Back up after "down", on the same port."""
        with self.lock:
            if self.fault == "down":
                self.fault = None
        if self._server is None:
            self.start(self.port)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="CPGRAMS simulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=3, help="grievances in the feed at start")
    args = parser.parse_args(argv)
    sim = Simulator()
    sim.add(args.seed)
    server = make_server(args.host, args.port, sim.app(), threaded=True)
    sim.port = server.server_port
    print(json.dumps({"url": f"http://{args.host}:{server.server_port}", "grievances": args.seed}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
