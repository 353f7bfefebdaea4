"""Rules engine benchmark at iPGRS scale: 40 departments, 600 services, 3,000 grievance types, 31 districts.

Measures, in one run:
  * validation + compile time of the whole catalogue (target: compile < 2 s);
  * decisions per second on one core through durable-rules, and through the plain-Python first-match
    loop over the same rules (the baseline), after checking both give identical decisions;
  * resident memory across 100 publishes (target: bounded), with the growth that keeping every
    version's rulesets alive would cause as the ceiling to compare against.

Run: make bench   (or .venv/bin/python bench/rules_bench.py [--quick])
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import time
from pathlib import Path

import psutil
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import rules  # noqa: E402
from rules import reference  # noqa: E402
from rules.engine import CompiledDepartment  # noqa: E402

DEPARTMENTS, SERVICES_PER_DEPT, GRIEVANCES_PER_SERVICE = 40, 15, 5


def bilingual(en: str) -> dict:
    return {"en": en, "kn": f"ಕನ್ನಡ {en}"}


def generate(districts: list[str], variant: int = 0) -> dict[str, bytes]:
    """An iPGRS-sized catalogue; `variant` changes routing targets so each publish compiles something new."""
    rng = random.Random(42)
    files = {}
    for d in range(DEPARTMENTS):
        code = f"D{d:02d}"
        posts = {"LMF": {"name": bilingual("Taluk officer"), "jurisdiction": "taluk"},
                 "SPL": {"name": bilingual("Special officer"), "jurisdiction": "taluk"},
                 "DO": {"name": bilingual("District officer"), "jurisdiction": "district"},
                 "SEC": {"name": bilingual("Secretary"), "jurisdiction": "state"}}
        services, routing = [], []
        for s in range(SERVICES_PER_DEPT):
            grievances = []
            for g in range(GRIEVANCES_PER_SERVICE):
                grievances.append({
                    "code": f"{code}_S{s:02d}_G{g}", "name": bilingual(f"Grievance {g} of service {s}"),
                    "keywords": [f"word{s}{g}", "ಪದ"],
                    "form": [{"name": "reference_number", "type": "text", "label": bilingual("Reference")},
                             {"name": "amount", "type": "number", "label": bilingual("Amount")}],
                    **({"timeline": {"days": 10 + g}} if g % 2 else {}),
                })
            services.append({"code": f"S{s:02d}", "line_department": "LD", "name": bilingual(f"Service {s}"),
                             "grievances": grievances})
            # four rules per service: the shapes nodal officers write
            district = districts[(s + d) % len(districts)]
            routing += [
                {"name": f"S{s:02d} in {district} to the special officer", "assign": "SPL" if variant % 2 == 0 else "DO",
                 "when": {"service": f"S{s:02d}", "location.district": district}},
                {"name": f"S{s:02d} senior citizens to the district", "assign": "DO", "priority": "high",
                 "when": {"service": f"S{s:02d}", "citizen.age": {"gte": 60}}},
                {"name": f"S{s:02d} large amounts or old references", "assign": "DO",
                 "when": {"service": f"S{s:02d}", "any": [{"form.amount": {"gt": 100000 + variant}},
                                                          {"form.reference_number": {"matches": "^OLD-"}}]}},
                {"name": f"S{s:02d} helpline grievances outside {district}", "assign": "SPL",
                 "when": {"grievance": [f"{code}_S{s:02d}_G0", f"{code}_S{s:02d}_G1"], "channel": "HELPLINE_1902",
                          "not": {"location.district": district}}},
            ]
        routing.append({"name": "everything else to the taluk", "assign": "LMF"})
        dept = {"code": code, "name": bilingual(f"Department {d}"), "line_departments": {"LD": bilingual("Directorate")},
                "posts": posts, "defaults": {"escalation": ["LMF", "DO", "SEC"], "timeline": {"days": 15, "per_level": [7, 5]}},
                "services": services, "routing": routing}
        files[f"{code.lower()}.yaml"] = yaml.safe_dump(dept, allow_unicode=True, sort_keys=False).encode()
        rng.random()
    return files


def random_facts(catalogue: rules.Catalogue, districts: list[str], n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    codes = sorted(catalogue.grievance_types)
    out = []
    for _ in range(n):
        facts = {"grievance": rng.choice(codes), "channel": rng.choice(["WEB", "APP", "HELPLINE_1902", "CMO"]),
                 "location": {"district": rng.choice(districts)}, "citizen": {}, "form": {}}
        if rng.random() < 0.7:
            facts["citizen"]["age"] = rng.randint(18, 95)
        if rng.random() < 0.5:
            facts["form"]["amount"] = rng.choice([500, 99999.5, 150000, 2_000_000])
        if rng.random() < 0.5:
            facts["form"]["reference_number"] = rng.choice(["OLD-1", "NEW-2", "X"])
        out.append(facts)
    return out


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 1e6


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer decisions and publishes (a smoke run)")
    args = parser.parse_args(argv)
    decisions = 20_000 if args.quick else 200_000
    publishes = 20 if args.quick else 100
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core

    juris_path = ROOT / "config" / "jurisdictions.yaml"
    jurisdictions = (str(juris_path), juris_path.read_bytes())
    districts = [d["name"]["en"] for d in yaml.safe_load(jurisdictions[1])["districts"]]
    files = [generate(districts, v) for v in range(2)]

    t = time.perf_counter()
    catalogue = rules.build_catalogue(jurisdictions, files[0])
    validate_s = time.perf_counter() - t
    t = time.perf_counter()
    engine = rules.Engine(catalogue)
    compile_s = time.perf_counter() - t
    print(f"catalogue: {catalogue.summary()}")
    print(f"validate (parse + schema + cross-file checks): {validate_s:.2f} s")
    rulesets = len({id(r) for d in engine._current.compiled.values() for r in d.rulesets.values()})
    print(f"compile to durable-rules ({catalogue.counts['rules']} rules into {rulesets} rulesets): {compile_s:.2f} s   target < 2 s")

    facts = random_facts(catalogue, districts, decisions)
    check = facts[: min(len(facts), 50_000)]
    mismatches = sum(1 for f in check if engine.decide(f) != reference.decide(catalogue, f))
    assert mismatches == 0, f"{mismatches} decisions differ between durable-rules and the plain evaluator"
    fired = {engine.decide(f).rules_fired[0] for f in check}
    print(f"agreement: durable-rules and the plain first-match loop give identical decisions on {len(check):,} grievances "
          f"({len(fired):,} distinct rules fired)")

    gc.collect()
    t = time.perf_counter()
    for f in facts:
        engine.decide(f)
    durable_s = time.perf_counter() - t
    t = time.perf_counter()
    for f in facts:
        reference.decide(catalogue, f)
    plain_s = time.perf_counter() - t
    durable_rate, plain_rate = len(facts) / durable_s, len(facts) / plain_s
    print(f"decisions/s on one core: durable-rules {durable_rate:,.0f}   target >= 20,000")
    print(f"decisions/s on one core: plain first-match loop (baseline) {plain_rate:,.0f}")
    print(f"ratio durable-rules / plain: {durable_rate / plain_rate:.2f}")

    # memory across publishes, alternating two catalogues so every publish compiles afresh
    other = rules.build_catalogue(jurisdictions, files[1])
    gc.collect()
    samples = [rss_mb()]
    publish_times = []
    for i in range(publishes):
        t = time.perf_counter()
        engine.publish(other if i % 2 == 0 else catalogue)
        publish_times.append(time.perf_counter() - t)
        engine.decide(facts[i])
        if (i + 1) % 10 == 0:
            gc.collect()
            samples.append(rss_mb())
    after_warmup = samples[2:] if len(samples) > 3 else samples
    growth = after_warmup[-1] - after_warmup[0]
    print(f"RSS across {publishes} publishes (MB, every 10): {' '.join(f'{s:.0f}' for s in samples)}")
    print(f"RSS growth from publish 20 to {publishes}: {growth:+.1f} MB (bounded: old versions' rulesets are deleted)")
    print(f"publish (compile + swap + retire), median: {sorted(publish_times)[len(publish_times) // 2]:.2f} s")

    # the ceiling: what keeping each version's rulesets would cost (the durable Host behaviour)
    gc.collect()
    before = rss_mb()
    kept = [CompiledDepartment(dept) for _ in range(5) for dept in catalogue.departments.values()]
    gc.collect()
    per_version = (rss_mb() - before) / 5
    for c in kept:
        c.retire()
    print(f"ceiling: without retiring, each publish would keep ~{per_version:.1f} MB "
          f"(~{per_version * publishes:,.0f} MB after {publishes} publishes)")
    engine.close()

    out = ROOT / "bench" / "output"
    out.mkdir(exist_ok=True)
    (out / "rules_bench.json").write_text(json.dumps({
        "catalogue": catalogue.counts, "validate_s": validate_s, "compile_s": compile_s,
        "decisions_per_s_durable": durable_rate, "decisions_per_s_plain": plain_rate,
        "rss_samples_mb": samples, "rss_growth_mb": growth, "ceiling_mb_per_publish": per_version,
        "publishes": publishes, "decisions": len(facts),
    }, indent=2))
    ok = compile_s < 2 and durable_rate >= 20_000 and growth < per_version * 5
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
