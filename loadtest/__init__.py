"""The load test with injected faults (docs/reliability.md): `make loadtest`, and a short run in the suite."""
