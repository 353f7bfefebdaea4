"""The machine's ceiling for bench/filing_bench.py: the least a filing endpoint can do.

A bare WSGI app for the same gunicorn setup (sync workers): POST parses the JSON body of a filing and does one
INSERT with psycopg on one connection per worker process (a sync worker serves one request at a time), then
answers 201 with the new id as JSON. No framework, no ORM, no rules, no token look-up, no notifications.

    BARE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/db gunicorn -w 2 --pythonpath bench bare_app:app
The table (created by the bench): bench_filing(id bigserial primary key, grievance_type text, body jsonb,
created_at timestamptz default now()).
"""
from __future__ import annotations

import json
import os

import psycopg
from psycopg.types.json import Jsonb

_connection: psycopg.Connection | None = None


def _db() -> psycopg.Connection:
    global _connection
    if _connection is None or _connection.closed:  # opened after gunicorn forks, once per worker
        _connection = psycopg.connect(os.environ["BARE_DATABASE_URL"], autocommit=True)
    return _connection


def _answer(start_response, status: str, payload: dict):
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def app(environ, start_response):
    if environ["PATH_INFO"] == "/health":
        return _answer(start_response, "200 OK", {"status": "ok"})
    if environ["REQUEST_METHOD"] != "POST":
        return _answer(start_response, "405 Method Not Allowed", {"message": "POST a filing."})
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length))
    except ValueError:
        return _answer(start_response, "400 Bad Request", {"message": "Send the filing as JSON."})
    if not isinstance(body, dict):
        return _answer(start_response, "400 Bad Request", {"message": "Send the filing as a JSON object."})
    connection = _db()
    with connection.transaction():
        row = connection.execute("INSERT INTO bench_filing (grievance_type, body) VALUES (%s, %s) RETURNING id",
                                 (str(body.get("grievance_type") or ""), Jsonb(body))).fetchone()
    return _answer(start_response, "201 Created", {"id": row[0]})
