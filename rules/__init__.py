"""ipgrs rules engine: department YAML → checked catalogue → durable-rules rulesets → routing decisions.

Public interface (nothing outside this package imports durable-rules):
    load_directory(dir) / build_catalogue(jurisdictions, files) -> Catalogue   (raises ConfigInvalid)
    Engine(catalogue).decide(facts) -> Decision;  Engine.publish(catalogue) -> version
"""
from .catalogue import (CHANNELS, KNOWN_FACTS, Catalogue, Department, GrievanceType, build_catalogue,
                        load_directory, read_directory)
from .decision import Decision
from .engine import Engine
from .errors import ConfigError, ConfigInvalid
from .facts import NoRuleMatched, UnknownGrievanceType

__all__ = [
    "CHANNELS", "KNOWN_FACTS", "Catalogue", "ConfigError", "ConfigInvalid", "Decision", "Department", "Engine",
    "GrievanceType", "NoRuleMatched", "UnknownGrievanceType", "build_catalogue", "load_directory", "read_directory",
]
