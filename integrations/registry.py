"""Order-source kinds and the classes that speak them. Adding a source is one folder and one line here.

Classes load lazily so that importing models (whose ``kind`` choices come from here) stays cheap.
"""

from importlib import import_module

SOURCES = {
    "fastrack": ("FAStrack (Assurant Field Services)", "integrations.fastrack.source.FAStrackSource"),
    "share": ("Pruvan Share (a primary vendor's account)", "integrations.share.source.ShareSource"),
}

KIND_CHOICES = [(kind, label) for kind, (label, _) in SOURCES.items()]


def source_class(kind: str):
    try:
        _, dotted = SOURCES[kind]
    except KeyError:
        raise LookupError(f"Unknown integration kind: {kind}") from None
    module, _, name = dotted.rpartition(".")
    return getattr(import_module(module), name)
