"""Declarative model builders: instance in, CP-SAT CpModel or Pyomo ConcreteModel out; no solving."""
