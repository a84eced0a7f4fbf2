"""CP-SAT model of 1||sum w_j T_j: one interval per job on a single no-overlap machine."""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model


@dataclass
class SMTTCpModel:
    model: cp_model.CpModel
    starts: list
    ends: list
    tardiness: list


def build_smtt_cpsat(instance) -> SMTTCpModel:
    """Intervals [S_j, S_j + p_j) in [0, sum p], NoOverlap, T_j = max(0, C_j - d_j), minimize sum w_j T_j.

    All jobs end by sum p, so with NoOverlap the machine never idles (a redundant fact the
    domains already carry).
    """
    model = cp_model.CpModel()
    horizon = sum(instance.p)
    starts, ends, intervals, tardiness = [], [], [], []
    for j in range(instance.n):
        start = model.NewIntVar(0, horizon - instance.p[j], f"S{j}")
        end = model.NewIntVar(instance.p[j], horizon, f"C{j}")
        intervals.append(model.NewIntervalVar(start, instance.p[j], end, f"job{j}"))
        late = model.NewIntVar(0, max(0, horizon - instance.d[j]), f"T{j}")
        # equality, not ≥: with T_j ≥ C_j − d_j alone a feasible (non-optimal) solution may carry
        # slack in T_j, and its objective would then differ from the schedule's
        model.AddMaxEquality(late, [0, end - instance.d[j]])
        starts.append(start)
        ends.append(end)
        tardiness.append(late)
    model.AddNoOverlap(intervals)
    model.Minimize(sum(w * t for w, t in zip(instance.weights, tardiness, strict=True)))
    return SMTTCpModel(model, starts, ends, tardiness)
