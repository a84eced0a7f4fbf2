"""The shared instance loader: one frozen dataclass per family, readers, native JSON."""

from schedkit.instances.fjsp import FJSPInstance
from schedkit.instances.loader import FAMILIES, FORMATS, from_native, load, to_native, write_instance
from schedkit.instances.rcpsp import Downtime, Mode, RCPSPInstance
from schedkit.instances.smtt import SMTTInstance

__all__ = [
    "FAMILIES", "FORMATS", "Downtime", "FJSPInstance", "Mode", "RCPSPInstance", "SMTTInstance",
    "from_native", "load", "to_native", "write_instance",
]
