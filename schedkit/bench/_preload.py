"""Imported once by the forkserver of the local pool: import every registered method's module (OR-Tools,
Pyomo, numba …) so that each forked run starts with them loaded instead of importing them again."""

from schedkit.registry import methods

methods()
