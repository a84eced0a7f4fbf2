"""Solver backends (CP-SAT, Pyomo + HiGHS) and meta-solvers."""
