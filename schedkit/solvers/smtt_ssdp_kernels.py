"""numba kernels of successive sublimation dynamic programming (SSDP) for 1‖ΣwⱼTⱼ.

All DPs run over the no-idle time axis 0..T (T = Σp) with Lagrangian arc costs
cⱼ(t) = wⱼ max(0, t − dⱼ) − μⱼ. Every label set keeps the best label and the best label whose
neighbour job (predecessor forward, successor backward) differs from the best one's: that is
what forbids "j j" (stage 1) and "i j i" (stages 2 and 3) without losing the optimal path.
A label is (value, neighbour job, pointer); an empty label has value INF and neighbour −2.
The search logic lives in :mod:`schedkit.solvers.smtt_ssdp`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = 1e300
EMPTY = -2  # neighbour of an empty label (−1 is the source / sink)


@njit(cache=True, inline="always")
def _cost(j, t, d, w):
    return float(w[j] * max(0, t - d[j]))


@njit(cache=True, inline="always")
def _push(v1, n1, q1, v2, n2, q2, at, value, neighbour, pointer):
    """Offer (value, neighbour, pointer) to the top-2 labels stored at index ``at``."""
    if neighbour == n1[at]:
        if value < v1[at]:
            v1[at], q1[at] = value, pointer
    elif value < v1[at]:
        v2[at], n2[at], q2[at] = v1[at], n1[at], q1[at]
        v1[at], n1[at], q1[at] = value, neighbour, pointer
    elif value < v2[at]:
        v2[at], n2[at], q2[at] = value, neighbour, pointer


@njit(cache=True, inline="always")
def adjacent_ok(i, j, t, p, d, w, rank):
    """May i run immediately before j with j completing at t? Not if swapping them is cheaper, or
    equally cheap and the fixed order ``rank`` puts j first (time-dependent adjacent-pair rule)."""
    here = _cost(i, t - p[j], d, w) + _cost(j, t, d, w)
    swapped = _cost(j, t - p[i], d, w) + _cost(i, t, d, w)
    return here < swapped or (here == swapped and rank[i] < rank[j])


@njit(cache=True, inline="always")
def _pair(f1, a1, f2, g1, b1, g2):
    """Cheapest prefix + suffix whose predecessor and successor jobs differ (−1 ends always fit)."""
    if a1 != b1 or a1 < 0:
        return f1 + g1
    return min(f1 + g2, f2 + g1)


# ---------------------------------------------------------------- stage 1: labels per time t


@njit(cache=True)
def lr1_forward(p, d, w, mu, T):
    """Shortest 0 → t paths without the same job twice in a row: top-2 labels per t by last job;
    the pointer is the label (0/1) used at t − p."""
    n = p.shape[0]
    f1 = np.full(T + 1, INF)
    f2 = np.full(T + 1, INF)
    j1 = np.full(T + 1, EMPTY, dtype=np.int64)
    j2 = np.full(T + 1, EMPTY, dtype=np.int64)
    q1 = np.zeros(T + 1, dtype=np.int64)
    q2 = np.zeros(T + 1, dtype=np.int64)
    f1[0], j1[0] = 0.0, -1
    for t in range(1, T + 1):
        v1, n1, r1, v2, n2, r2 = INF, EMPTY, 0, INF, EMPTY, 0  # local copy of _push: the hot loop
        for j in range(n):
            s = t - p[j]
            if s < 0:
                continue
            if j1[s] != j:
                value, which = f1[s], 0
            else:
                value, which = f2[s], 1
            if value >= INF:
                continue
            value += w[j] * max(0, t - d[j]) - mu[j]
            if j == n1:
                if value < v1:
                    v1, r1 = value, which
            elif value < v1:
                v2, n2, r2 = v1, n1, r1
                v1, n1, r1 = value, j, which
            elif value < v2:
                v2, n2, r2 = value, j, which
        f1[t], j1[t], q1[t], f2[t], j2[t], q2[t] = v1, n1, r1, v2, n2, r2
    return f1, j1, q1, f2, j2, q2


@njit(cache=True)
def lr1_backward(p, d, w, mu, T):
    """Shortest t → T paths without the same job twice in a row: top-2 labels per t by first job."""
    n = p.shape[0]
    g1 = np.full(T + 1, INF)
    g2 = np.full(T + 1, INF)
    k1 = np.full(T + 1, EMPTY, dtype=np.int64)
    k2 = np.full(T + 1, EMPTY, dtype=np.int64)
    g1[T], k1[T] = 0.0, -1
    for t in range(T - 1, -1, -1):
        v1, n1, v2, n2 = INF, EMPTY, INF, EMPTY  # local copy of _push: the hot loop
        for k in range(n):
            e = t + p[k]
            if e > T:
                continue
            value = g1[e] if k1[e] != k else g2[e]
            if value >= INF:
                continue
            value += w[k] * max(0, e - d[k]) - mu[k]
            if k == n1:
                if value < v1:
                    v1 = value
            elif value < v1:
                v2, n2 = v1, n1
                v1, n1 = value, k
            elif value < v2:
                v2, n2 = value, k
        g1[t], k1[t], g2[t], k2[t] = v1, n1, v2, n2
    return g1, k1, g2, k2


@njit(cache=True)
def lr1_path(p, j1, q1, j2, q2, T):
    """Jobs of the best 0 → T stage-1 path, in order."""
    jobs = []
    t, which = T, 0
    while t > 0:
        j = j1[t] if which == 0 else j2[t]
        which = q1[t] if which == 0 else q2[t]
        jobs.append(j)
        t -= p[j]
    out = np.empty(len(jobs), dtype=np.int64)
    for i in range(len(jobs)):
        out[i] = jobs[len(jobs) - 1 - i]
    return out


@njit(cache=True)
def lr1_states(p, d, w, mu, T, f1, j1, f2, g1, k1, g2, limit, alive):
    """Kill the (t, j) states of ``alive`` (shape (T+1, n), j completing at t) that lie on no
    stage-1 path of Lagrangian cost ≤ ``limit`` (net of Σμ); returns the survivors."""
    n = p.shape[0]
    left = 0
    for t in range(1, T + 1):
        for j in range(n):
            if not alive[t, j]:
                continue
            s = t - p[j]
            before = f1[s] if j1[s] != j else f2[s]
            after = g1[t] if k1[t] != j else g2[t]
            if before >= INF or after >= INF or before + _cost(j, t, d, w) - mu[j] + after > limit:
                alive[t, j] = False
            else:
                left += 1
    return left


# ---------------------------------------------------------------- stage 2: labels per state (t, j)


@njit(cache=True)
def time_lists(p, alive):
    """Live jobs per completion time and per start time, as CSR (start[t]..start[t+1])."""
    T1, n = alive.shape
    start = np.zeros(T1 + 1, dtype=np.int64)
    opening = np.zeros(T1 + 1, dtype=np.int64)
    for t in range(T1):
        for j in range(n):
            if alive[t, j]:
                start[t + 1] += 1
                opening[t - p[j] + 1] += 1
    for t in range(T1):
        start[t + 1] += start[t]
        opening[t + 1] += opening[t]
    jobs = np.empty(start[T1], dtype=np.int64)
    by_start = np.empty(start[T1], dtype=np.int64)
    fill = opening.copy()
    k = 0
    for t in range(T1):
        for j in range(n):
            if alive[t, j]:
                jobs[k] = j
                k += 1
                by_start[fill[t - p[j]]] = j
                fill[t - p[j]] += 1
    return start, jobs, opening, by_start


def lr2_buffers(T, n):
    """Label arrays of a stage-2 DP, (T+1, n), reused across iterations: every DP writes the
    entries of the live states before reading them."""
    shape = (T + 1, n)
    return (np.full(shape, INF), np.full(shape, EMPTY, dtype=np.int64), np.zeros(shape, dtype=np.int64),
            np.full(shape, INF), np.full(shape, EMPTY, dtype=np.int64), np.zeros(shape, dtype=np.int64))


@njit(cache=True)
def lr2_forward(p, d, w, mu, rank, alive, start, jobs, g1, k1, g2, limit, T, buffers):
    """Forward DP over live states (t, j) with the adjacent-pair rule and no i–j–i. Arrays
    (T+1, n); the neighbour is the predecessor job, the pointer the label (0/1) used there.

    A state is killed as soon as its best prefix plus the stage-1 suffix bound (``g1``/``k1``/``g2``
    per time, same μ; −INF: none) exceeds ``limit``, so later states skip it. ``buffers`` come
    from :func:`lr2_buffers`."""
    f1, a1, q1, f2, a2, q2 = buffers
    for t in range(1, T + 1):
        F1, F2, A1, A2, Q1, Q2 = f1[t], f2[t], a1[t], a2[t], q1[t], q2[t]
        for x in range(start[t], start[t + 1]):
            j = jobs[x]
            F1[j], A1[j], F2[j], A2[j] = INF, EMPTY, INF, EMPTY
            s = t - p[j]
            c = _cost(j, t, d, w) - mu[j]
            if s == 0:
                _push(F1, A1, Q1, F2, A2, Q2, j, c, -1, 0)
            else:
                for y in range(start[s], start[s + 1]):
                    i = jobs[y]
                    if i == j:
                        continue
                    if a1[s, i] != j:
                        value, which = f1[s, i], 0
                    else:
                        value, which = f2[s, i], 1
                    if value >= INF or not adjacent_ok(i, j, t, p, d, w, rank):
                        continue
                    _push(F1, A1, Q1, F2, A2, Q2, j, value + c, i, which)
            after = g1[t] if k1[t] != j else g2[t]
            if F1[j] >= INF or F1[j] + after > limit:
                F1[j], F2[j] = INF, INF
                alive[t, j] = False
    return f1, a1, q1, f2, a2, q2


@njit(cache=True)
def lr2_backward(p, d, w, mu, rank, alive, start, jobs, opening, by_start, f1, a1, f2, limit, T, buffers):
    """Backward DP: best suffix after live state (t, j), top-2 by successor job (the successors
    are the live states opening at t: ``opening``/``by_start``). Each state is eliminated as soon
    as its suffix is known: killed if its cheapest path (forward labels of the same μ) exceeds
    ``limit``, so earlier states skip it. Returns the labels and the number of survivors."""
    g1, b1, q, g2, b2, _ = buffers
    left = 0
    for t in range(T, 0, -1):
        G1, G2, B1, B2, Q = g1[t], g2[t], b1[t], b2[t], q[t]
        for x in range(start[t], start[t + 1]):
            j = jobs[x]
            if not alive[t, j]:
                continue
            G1[j], B1[j], G2[j], B2[j] = INF, EMPTY, INF, EMPTY
            if t == T:
                G1[j], B1[j] = 0.0, -1
            for y in range(opening[t], opening[t + 1]):
                k = by_start[y]
                e = t + p[k]
                if k == j or not alive[e, k]:
                    continue
                value = g1[e, k] if b1[e, k] != j else g2[e, k]
                if value >= INF or not adjacent_ok(j, k, e, p, d, w, rank):
                    continue
                _push(G1, B1, Q, G2, B2, Q, j, value + _cost(k, e, d, w) - mu[k], k, 0)
            if f1[t, j] >= INF or G1[j] >= INF or _pair(f1[t, j], a1[t, j], f2[t, j], G1[j], B1[j], G2[j]) > limit:
                alive[t, j] = False
                G1[j], G2[j] = INF, INF
            else:
                left += 1
    return g1, b1, g2, b2, left


@njit(cache=True)
def lr2_best(start, jobs, f1, T):
    """Best stage-2 path value (net of Σμ) and its last job (−1: none)."""
    best, last = INF, -1
    for x in range(start[T], start[T + 1]):
        if f1[T, jobs[x]] < best:
            best, last = f1[T, jobs[x]], jobs[x]
    return best, last


@njit(cache=True)
def lr2_path(p, a1, q1, a2, q2, last, T):
    """Jobs of the stage-2 path ending with ``last`` at T, in order."""
    jobs = []
    t, j, which = T, last, 0
    while j >= 0:
        jobs.append(j)
        pred = a1[t, j] if which == 0 else a2[t, j]
        which = q1[t, j] if which == 0 else q2[t, j]
        t -= p[j]
        j = pred
    out = np.empty(len(jobs), dtype=np.int64)
    for i in range(len(jobs)):
        out[i] = jobs[len(jobs) - 1 - i]
    return out


# ---------------------------------------------------------------- stage 3: states (t, j, S)


@njit(cache=True, inline="always")
def _arc_target(t, j, k, p, d, w, rank, index, T):
    """Node index of the live state (t + pₖ, k) that state (t, j) has an arc to (adjacent rule), or −1."""
    e = t + p[k]
    if k != j and e <= T and index[e, k] >= 0 and adjacent_ok(j, k, e, p, d, w, rank):
        return index[e, k]
    return -1


@njit(cache=True)
def base_graph(p, d, w, rank, alive, T):
    """The live stage-2 states as nodes sorted by time, with their arcs (adjacent rule applied) as
    CSR; ``first`` flags nodes that can open the schedule (t = pⱼ)."""
    n = p.shape[0]
    T1 = alive.shape[0]
    index = np.full((T1, n), -1, dtype=np.int64)
    bt = np.empty(np.count_nonzero(alive), dtype=np.int64)
    bj = np.empty(bt.shape[0], dtype=np.int64)
    count = 0
    for t in range(T1):
        for j in range(n):
            if alive[t, j]:
                index[t, j], bt[count], bj[count] = count, t, j
                count += 1
    out_start = np.zeros(count + 1, dtype=np.int64)
    for b in range(count):
        out_start[b + 1] = out_start[b]
        for k in range(n):
            if _arc_target(bt[b], bj[b], k, p, d, w, rank, index, T) >= 0:
                out_start[b + 1] += 1
    out = np.empty(out_start[count], dtype=np.int64)
    x = 0
    for b in range(count):
        for k in range(n):
            target = _arc_target(bt[b], bj[b], k, p, d, w, rank, index, T)
            if target >= 0:
                out[x] = target
                x += 1
    first = bt == p[bj]
    return bt, bj, out_start, out, first


@njit(cache=True, inline="always")
def _slot(keys_b, keys_s, b, s):
    """Open-addressing slot of key (b, s): where it is, or the empty slot where it goes."""
    mask = keys_b.shape[0] - 1
    h = (b * np.int64(0x9E3779B1) + s * np.int64(0x85EBCA77) + (s >> 29)) & mask
    while keys_b[h] != -1 and (keys_b[h] != b or keys_s[h] != s):
        h = (h + 1) & mask
    return h


@njit(cache=True)
def bound_table(nb, ns, g1, keep):
    """Hash table (b, S) → best suffix value of the kept refined nodes: the next step's pruning
    bound (a refined node of the next step projects onto one of these)."""
    size = 1
    while size < 2 * nb.shape[0] + 2:
        size *= 2
    keys_b = np.full(size, -1, dtype=np.int64)
    keys_s = np.zeros(size, dtype=np.int64)
    vals = np.zeros(size)
    for u in range(nb.shape[0]):
        if keep[u]:
            h = _slot(keys_b, keys_s, nb[u], ns[u])
            keys_b[h], keys_s[h], vals[h] = nb[u], ns[u], g1[u]
    return keys_b, keys_s, vals


@njit(cache=True)
def refine_forward(p, bt, bj, out_start, out, arc_alive, first, cost, modbit, old_mask,
                   prev_b, prev_s, prev_v, limit, T, capacity):
    """Forward DP on states (t, j, S), S the modifier jobs done so far (bit ``modbit[j]``).

    Nodes are generated from the base graph in time order; a node is kept only if its label plus
    the previous step's suffix bound of its projection (b, S & old_mask) is within ``limit``
    (net of Σμ) and the modifiers still missing fit before T. Returns node arrays, the arcs
    (u, v, base arc) in creation order, and the node count, or −1 when ``capacity`` is exceeded."""
    full = 0
    total_mod_p = 0
    for j in range(modbit.shape[0]):
        if modbit[j] != 0:
            full |= modbit[j]
            total_mod_p += p[j]
    size = 1
    while size < 2 * capacity:
        size *= 2
    keys_b = np.full(size, -1, dtype=np.int64)
    keys_s = np.zeros(size, dtype=np.int64)
    keys_v = np.zeros(size, dtype=np.int64)
    nb = np.empty(capacity, dtype=np.int64)
    ns = np.empty(capacity, dtype=np.int64)
    npp = np.empty(capacity, dtype=np.int64)  # processing time of the modifiers in S
    f1 = np.empty(capacity)
    f2 = np.empty(capacity)
    a1 = np.empty(capacity, dtype=np.int64)
    a2 = np.empty(capacity, dtype=np.int64)
    q1 = np.empty(capacity, dtype=np.int64)  # pointer: 2·(pred node) + label used, −1 source
    q2 = np.empty(capacity, dtype=np.int64)
    nxt = np.empty(capacity, dtype=np.int64)
    head = np.full(T + 1, -1, dtype=np.int64)
    tail = np.full(T + 1, -1, dtype=np.int64)
    arc_cap = 8 * capacity
    au = np.empty(arc_cap, dtype=np.int64)
    av = np.empty(arc_cap, dtype=np.int64)
    ab = np.empty(arc_cap, dtype=np.int64)
    count = 0
    arcs = 0
    for t in range(T + 1):
        # nodes opening the schedule enter at t = 0 → pⱼ
        if t == 0:
            for b in range(bt.shape[0]):
                if not first[b]:
                    continue
                j = bj[b]
                s = modbit[j]
                sp = p[j] if s != 0 else 0
                if total_mod_p - sp > T - bt[b]:
                    continue
                h = _slot(prev_b, prev_s, b, s & old_mask)
                if prev_b[h] == -1 or cost[b] + prev_v[h] > limit:
                    continue
                if count == capacity:
                    return nb, ns, f1, a1, q1, f2, a2, q2, au, av, ab, -1, 0
                u = count
                count += 1
                nb[u], ns[u], npp[u] = b, s, sp
                f1[u], a1[u], q1[u] = cost[b], -1, -1
                f2[u], a2[u], q2[u] = INF, EMPTY, -1
                nxt[u] = -1
                e = bt[b]
                if head[e] == -1:
                    head[e] = u
                else:
                    nxt[tail[e]] = u
                tail[e] = u
                h = _slot(keys_b, keys_s, b, s)
                keys_b[h], keys_s[h], keys_v[h] = b, s, u
            continue
        u = head[t]
        while u != -1:
            b = nb[u]
            i = bj[b]
            for x in range(out_start[b], out_start[b + 1]):
                if not arc_alive[x]:
                    continue
                b2 = out[x]
                k = bj[b2]
                bit = modbit[k]
                if ns[u] & bit:
                    continue
                s2 = ns[u] | bit
                sp2 = npp[u] + (p[k] if bit != 0 else 0)
                e = bt[b2]
                if total_mod_p - sp2 > T - e:
                    continue
                if a1[u] != k:
                    value, which = f1[u], 0
                else:
                    value, which = f2[u], 1
                if value >= INF:
                    continue
                value += cost[b2]
                h = _slot(prev_b, prev_s, b2, s2 & old_mask)
                if prev_b[h] == -1 or value + prev_v[h] > limit:
                    continue
                h = _slot(keys_b, keys_s, b2, s2)
                if keys_b[h] == -1:
                    if count == capacity:
                        return nb, ns, f1, a1, q1, f2, a2, q2, au, av, ab, -1, 0
                    v = count
                    count += 1
                    nb[v], ns[v], npp[v] = b2, s2, sp2
                    f1[v], a1[v], q1[v] = INF, EMPTY, -1
                    f2[v], a2[v], q2[v] = INF, EMPTY, -1
                    nxt[v] = -1
                    if head[e] == -1:
                        head[e] = v
                    else:
                        nxt[tail[e]] = v
                    tail[e] = v
                    keys_b[h], keys_s[h], keys_v[h] = b2, s2, v
                else:
                    v = keys_v[h]
                if arcs == arc_cap:
                    return nb, ns, f1, a1, q1, f2, a2, q2, au, av, ab, -1, 0
                au[arcs], av[arcs], ab[arcs] = u, v, x
                arcs += 1
                _push(f1, a1, q1, f2, a2, q2, v, value, i, 2 * u + which)
            u = nxt[u]
    return (nb[:count], ns[:count], f1[:count], a1[:count], q1[:count], f2[:count], a2[:count], q2[:count],
            au[:arcs], av[:arcs], ab[:arcs], count, arcs)


@njit(cache=True)
def refine_backward(bt, bj, nb, ns, au, av, cost, full, T):
    """Best suffix of every refined node, top-2 by successor job; the sinks are the nodes at T
    holding every modifier. Arcs are walked in reverse creation order (reverse time of u)."""
    m = nb.shape[0]
    g1 = np.full(m, INF)
    g2 = np.full(m, INF)
    b1 = np.full(m, EMPTY, dtype=np.int64)
    b2 = np.full(m, EMPTY, dtype=np.int64)
    q = np.zeros(m, dtype=np.int64)
    for u in range(m):
        if bt[nb[u]] == T and ns[u] == full:
            g1[u], b1[u] = 0.0, -1
    for x in range(au.shape[0] - 1, -1, -1):
        u, v = au[x], av[x]
        i = bj[nb[u]]
        value = g1[v] if b1[v] != i else g2[v]
        if value >= INF:
            continue
        _push(g1, b1, q, g2, b2, q, u, value + cost[nb[v]], bj[nb[v]], 0)
    return g1, b1, g2, b2


@njit(cache=True)
def refine_eliminate(bj, nb, f1, a1, f2, g1, b1, g2, au, av, ab, cost, limit, n_base, n_base_arcs):
    """Node and arc elimination against ``limit`` (net of Σμ). Returns the kept nodes and the base
    nodes and arcs that still carry a kept refined node or arc."""
    m = nb.shape[0]
    keep = np.zeros(m, dtype=np.bool_)
    base_alive = np.zeros(n_base, dtype=np.bool_)
    arc_alive = np.zeros(n_base_arcs, dtype=np.bool_)
    for u in range(m):
        if f1[u] < INF and g1[u] < INF and _pair(f1[u], a1[u], f2[u], g1[u], b1[u], g2[u]) <= limit:
            keep[u] = True
            base_alive[nb[u]] = True
    for x in range(au.shape[0]):
        u, v = au[x], av[x]
        if not (keep[u] and keep[v]):
            continue
        before = f1[u] if a1[u] != bj[nb[v]] else f2[u]
        after = g1[v] if b1[v] != bj[nb[u]] else g2[v]
        if before + cost[nb[v]] + after <= limit:
            arc_alive[ab[x]] = True
    return keep, base_alive, arc_alive


@njit(cache=True)
def refine_best(bt, nb, ns, f1, full, T):
    """Best sink node (−1: none) and its value net of Σμ."""
    best, node = INF, -1
    for u in range(nb.shape[0]):
        if bt[nb[u]] == T and ns[u] == full and f1[u] < best:
            best, node = f1[u], u
    return best, node


@njit(cache=True)
def refine_path(bj, nb, q1, q2, node):
    """Jobs of the refined path ending at ``node``, in order."""
    jobs = []
    u, which = node, 0
    while u >= 0:
        jobs.append(bj[nb[u]])
        pointer = q1[u] if which == 0 else q2[u]
        if pointer < 0:
            break
        u, which = pointer // 2, pointer % 2
    out = np.empty(len(jobs), dtype=np.int64)
    for i in range(len(jobs)):
        out[i] = jobs[len(jobs) - 1 - i]
    return out
