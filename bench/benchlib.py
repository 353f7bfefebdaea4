"""What the PostgreSQL benches share: where the project and its virtualenv are, the server they make their
databases on, and the `ipgrs` command line run as a subprocess (as an operator would run it)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def plain_url(url: str) -> str:
    """The SQLAlchemy URL as psycopg takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def ipgrs_cli(*args: str) -> None:
    """`ipgrs ARGS` with this process's environment; prints its last line, raises with its output on failure."""
    done = subprocess.run([str(BIN / "ipgrs"), *args], env=os.environ, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"ipgrs {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    print(f"  ipgrs {' '.join(args)}: {done.stdout.strip().splitlines()[-1]}")
