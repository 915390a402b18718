"""yishi: China's 一件事 government-service bundles as executable workflows.

Load a bundle (YAML or the DSL), check and compile it, read its merged form, material plan
and 四减 report, export it, and run cases on an engine over a store::

    import yishi
    compiled = yishi.load("bundles/national/open_restaurant.yaml").compile()
    engine = yishi.Engine("sqlite:///cases.db")
    case = engine.open_case(compiled, {"sign.installed": False, "premises.area_m2": 40.0},
                            applicant="corp-1")
    case.submit(["premises_proof", "layout_plan", "food_safety_rules", "health_certificates"])
    case.accept(by=("wang", "service_center", "clerk"))

docs/python.md is the reference.
"""

from ._yishi import (
    CST,
    Actor,
    Bundle,
    Calendar,
    Case,
    CheckError,
    Clock,
    CommandError,
    CompiledBundle,
    Conflict,
    Diagnostic,
    Distribution,
    DuplicateCommand,
    Engine,
    Error,
    InvalidArgument,
    InvalidTransition,
    KeyReused,
    LoadError,
    ManualClock,
    NeedsAnswers,
    NotAuthorised,
    NotEligible,
    OUTCOMES,
    SimulationResults,
    Store,
    StoreError,
    SystemClock,
    UnknownBundle,
    UnknownCase,
    UnknownMaterial,
    UnknownStep,
    __version__,
    load,
    loads,
)

from .simulate import Comparison, simulate, simulate_file, sweep


def _compiled_from_yaml(text: str, name: str) -> "CompiledBundle":
    return loads(text, format="yaml", name=name).compile()


def _reduce_compiled(self: "CompiledBundle"):
    # Pickled as its canonical YAML (a process or a Dask worker compiles it again).
    return (_compiled_from_yaml, (self.bundle.to_yaml(), self.bundle.file or self.id))


CompiledBundle.__reduce__ = _reduce_compiled

#: Another name for :class:`Error`, the base class of every error yishi raises.
YishiError = Error

__all__ = [
    "CST",
    "Actor",
    "Bundle",
    "Calendar",
    "Case",
    "CheckError",
    "Clock",
    "CommandError",
    "CompiledBundle",
    "Conflict",
    "Comparison",
    "Diagnostic",
    "Distribution",
    "DuplicateCommand",
    "Engine",
    "Error",
    "InvalidArgument",
    "InvalidTransition",
    "KeyReused",
    "LoadError",
    "ManualClock",
    "NeedsAnswers",
    "NotAuthorised",
    "NotEligible",
    "OUTCOMES",
    "SimulationResults",
    "Store",
    "StoreError",
    "SystemClock",
    "UnknownBundle",
    "UnknownCase",
    "UnknownMaterial",
    "UnknownStep",
    "YishiError",
    "__version__",
    "load",
    "loads",
    "simulate",
    "simulate_file",
    "sweep",
]
