"""Numba kernels of the exact unweighted SMTT solver: Lawler's decomposition with memoised subproblems.

Branch & Memorize in the line of Lawler (1977), Szwarc, Grosso & Della Croce (1999/2001) and
Shang, T'kindt & Della Croce (2021), as read in the shared notes ``papers/smtt.md`` section 4:

* a node is (S, t): the job set S sequenced from time t; k is the longest job of S (largest p,
  ties to the largest d, then the largest id) and κ its EDD position;
* F(S, t) = min over kept positions r ≥ κ of F(L_r, t) + T_k(C(r)) + F(B_r, C(r)) (section 4.2);
* positions are filtered by rule 3 (C(r) ≤ max_{κ<i<r} d_[i] + p_[i] drops r ≥ κ+2) and rule 4
  (strict running minimum on the left, ≤ its right neighbour), section 4.3 (rules 1 and 2 were
  tried too: on the 500-job grid they removed no node that rules 3 and 4 keep);
* two closed forms end a node at once: EDD from t has no tardy job (value 0, EDD order), or every
  job is tardy in every order (t + p_j ≥ d_j for all j: Σ C_j − Σ d_j, SPT is optimal);
* a child whose EDD order has no tardy job is never pushed nor stored: the parent reads its EDD
  tardiness off its own arrays (B_r: the EDD tail tardiness st[r+1], at the parent's own completion
  times; L_r: T(r) − T_k(C(r)) − st[r+1]), and the rebuild re-derives it. A quarter of the nodes;
* the memo is one int64 array, key and entry (value, decision) side by side in one cache line;
* the second decomposition (notes 4.4) is used in its special case only: when its position rule for
  the EDD-first job j1 (DC rule 4 on E = j1 and the jobs shorter than it) keeps q = 0 alone, j1 goes
  first and every L_r is replaced by L_r ∖ j1 from t + p_j1 (``leads`` of :func:`edd_pass`; with E = {j1}
  it is Emmons' rule). About half the nodes of the hard classes go (n = 1000, TF 0.6 / RDD 0.2 #1:
  32.7 M → 18.0 M expansions; n = 500 #2: 3.89 M → 2.09 M);
* every subproblem is then "the jobs at EDD positions [first, last] whose rank in the (p, d, id)
  order is at most `top`" (L_r ∖ j1 starts one member later), and (first, last, top, t) with `top`
  the largest rank present is an exact 63-bit memo key: no hashing of sets, no false hits.

The search is one loop over an explicit stack (a self-recursive @njit function cannot be cached),
so the kernels compile once and load from numba's cache in later processes. A call stops after
``node_budget`` node expansions, or when the table is three quarters full (the caller grows it with
numpy and :func:`rehash`), and can be called again: the memo survives, so the caller can watch the
clock between calls.

Tried and left out (measured on the 500-job TF 0.6 / RDD 0.2 instances): pruning a node's later
candidates with the SPT/EDD matching lower bound against its best so far (55 prunes in 2.8 M nodes);
EDD optimality by the last-job bound (C_max − d_max) beyond the tardy-free case (0.04 % of nodes);
a start-time-interval memo: F(S, t+1) − F(S, t) equals the Moore–Hodgson minimum number of late jobs
(the condition under which one optimal order stays optimal over an interval) in only 24 % of the
consecutive (S, t), (S, t+1) pairs the memo holds; dropping a child's trailing EDD jobs that are on
time at its end (d ≥ t + p(S), so F(S, t) = F(S ∖ j, t)) before the memo probe, so that such an L_r
meets a sibling's shorter L_r' in the memo (0.5 % fewer expansions: 4.02 M → 4.00 M). The full double
decomposition (a pair (r, q) for every kept q, with hashed 128-bit set keys because its middle set
L_r ∖ ({j1} ∪ A_q) is no interval set) was built and measured: fewer nodes than the single one
(n = 500 #2: 3.13 M; n = 1000 #1: 25.2 M) but more than the q = 0 case alone (2.09 M), each node
dearer (hashes, 32-byte slots), and slower overall; Emmons' rule alone (E = {j1}) saves 1 %.
"""

from __future__ import annotations

import numpy as np
from numba import njit

KEY_BITS = 11  # positions and ranks below 2048; start times below 2**30
MAX_JOBS = (1 << KEY_BITS) - 1
MAX_TIME = (1 << 30) - 1
DEC_BITS = 13  # an entry is value << DEC_BITS | lead << 12 | (decision + 2): values stay below 2**41 (n Σp)
LEAD_BIT = 1 << 12  # the node's EDD-first job j1 goes first (``leads`` of edd_pass)
INIT, NEED_L, NEED_B = 0, 1, 2
DONE, BUDGET, FULL = 0, 1, 2  # outcomes of a call of branch_and_memorize
EDD, SPT = -1, -2  # decisions of the closed-form nodes
RULE_3, RULE_4A, RULE_4B = 1, 2, 4
ALL_RULES = RULE_3 | RULE_4A | RULE_4B


@njit(cache=True)
def spt_value(P, D, RK, members, off, n, t, scratch):
    """Σ max(0, C_j − d_j) of the members in SPT order (by rank) from t; the order goes to scratch."""
    ranks = np.empty(n, dtype=np.int64)
    for i in range(n):
        ranks[i] = RK[members[off + i]]
    order = np.argsort(ranks)
    clock, total = t, 0
    for i in range(n):
        job = members[off + order[i]]
        scratch[i] = job
        clock += P[job]
        total += max(0, clock - D[job])
    return total


@njit(cache=True)
def pack_key(first, last, top, t):
    """Memo key of the subproblem (jobs at EDD positions first..last with rank ≤ top, start t); never 0."""
    return 1 + first + (last << 11) + (top << 22) + (t << 33)


@njit(cache=True)
def probe(table, key):
    """Slot of ``key`` in the open-addressing table, or of the empty slot where it would go.
    Slot s is table[2s] (key, 0 = empty) and table[2s + 1] (entry): one cache line per probe."""
    slots = table.shape[0] >> 1
    mask = slots - 1
    bits = int(np.log2(slots) + 0.5)
    h = key ^ (key >> 29)
    h *= -4658895280553007687  # splitmix64 multiplier, wrapping int64 arithmetic
    h ^= h >> 32
    # home slot = the top `bits` bits below the sign: doubling the table sends home s to 2s or 2s + 1, so a rehash
    # writes the new table almost in order instead of at random (several seconds at n = 1000)
    slot = (h >> (63 - bits)) & mask  # bit 63 is always 0 after the signed xor-shift
    while table[2 * slot] != 0 and table[2 * slot] != key:
        slot = (slot + 1) & mask
    return slot


@njit(cache=True)
def rehash(table, new):
    """Every entry of ``table`` into the empty, larger table ``new``. The caller allocates ``new`` with
    numpy, which asks the kernel for huge pages (numba's own allocations do not): random probes into a
    gigabyte table at n = 1000 then miss the TLB far less often."""
    for i in range(table.shape[0] >> 1):
        if table[2 * i] != 0:
            slot = probe(new, table[2 * i])
            new[2 * slot], new[2 * slot + 1] = table[2 * i], table[2 * i + 1]


@njit(cache=True)
def entry_value(entry):
    return entry >> DEC_BITS


@njit(cache=True)
def entry_decision(entry):
    return (entry & (LEAD_BIT - 1)) - 2


@njit(cache=True)
def entry_leads(entry):
    return (entry & LEAD_BIT) != 0


@njit(cache=True)
def small_value(P, D, members, start, count, t):
    """Optimal value and order flag (1 = swapped) of a set of at most two jobs from time t."""
    if count == 0:
        return 0, 0
    a = members[start]
    if count == 1:
        return max(0, t + P[a] - D[a]), 0
    b = members[start + 1]
    ab = max(0, t + P[a] - D[a]) + max(0, t + P[a] + P[b] - D[b])
    ba = max(0, t + P[b] - D[b]) + max(0, t + P[a] + P[b] - D[a])
    return (ab, 0) if ab <= ba else (ba, 1)


@njit(cache=True)
def edd_pass(P, D, RK, m, off, n, t, C):
    """One pass over the members ``m[off:off+n]`` in EDD order from t: fills C (EDD completion times)
    and returns (kk, lead, tardiness, all_tardy, leads): kk the index of the longest job k (largest rank),
    lead the largest rank before kk (−1 if none), the EDD total tardiness, whether every job is
    tardy in every order (t + p_j ≥ d_j for all j), and whether the EDD-first job j1 goes first.

    ``leads``: the second decomposition's position rule for j1 keeps q = 0 alone, so that some optimal
    order starts with j1 and keeps Lawler's structure for the longest job (notes 4.4). E = (j1, then the
    jobs shorter than j1 in EDD order: rank below j1's); T_E(q) is the tardiness from t of
    (e_1..e_q, j1, e_q+1..) (E's jobs only); q is kept iff [q = 0 or T_E(q) < min_{i<q} T_E(i)] and
    [q = |E|−1 or T_E(q) ≤ T_E(q+1)] (DC rule 4). With E = {j1} this is Emmons' rule. Values are kept
    relative to T_E(0); the rule is no longer evaluated once its answer is known."""
    kk, top, lead = 0, -1, -1
    clock, tard = t, 0
    all_tardy = True
    j1 = m[off]
    p1, d1, first = P[j1], D[j1], RK[j1]
    undecided = True
    current, running_min = 0, np.int64(1) << 62  # T_E(q) − T_E(0); min over i < q
    s = t  # start of j1 while it sits after e_q
    q = 0
    for i in range(n):
        j = m[off + i]
        pj, dj, rank = P[j], D[j], RK[j]
        clock += pj
        C[i] = clock
        tard += max(0, clock - dj)
        if t + pj < dj:
            all_tardy = False
        if rank > top:
            lead, top, kk = top, rank, i
        if undecided and rank < first:  # e_{q+1}
            following = (current - max(0, s + p1 - d1) - max(0, s + p1 + pj - dj)
                         + max(0, s + pj - dj) + max(0, s + pj + p1 - d1))
            if ((q == 0 or current < running_min) and current <= following) != (q == 0):
                undecided = False  # q = 0 dropped, or some q ≥ 1 kept
            running_min = min(running_min, current)
            current = following
            s += pj
            q += 1
    leads = undecided and (q == 0 or not current < running_min)  # the last q is kept by the left test alone
    return kk, lead, tard, all_tardy, leads


@njit(cache=True)
def kept_positions(P, D, RK, m, off, n, kk, lead, tard, C, T, pm, cand, rules=ALL_RULES):
    """The positions r kept by rules 3 and 4 for the longest job k (EDD index kk) go to ``cand``
    (ascending); returns how many. ``m[off:off+n]`` are the members in EDD order, C their EDD
    completion times, ``tard`` the EDD tardiness and ``lead`` the largest rank before kk (from
    :func:`edd_pass`). Fills T(r) and pm[r], the largest rank of L_r (indices 0..r but kk), for r ≥ kk,
    in one pass. ``rules`` is a bit mask (RULE_3, RULE_4A, RULE_4B) so that each rule can be tested
    on its own."""
    k = m[off + kk]
    pk, dk = P[k], D[k]
    # T(kk): plain EDD from t; then k moves one job to the right at a time (computeTni), one step ahead
    T[kk] = tard
    pm[kk] = lead
    count = 0
    running_min = tard
    reach = -1  # max over kk < i < r of d_[i] + p_[i]
    for r in range(kk, n):
        if r + 1 < n:
            j = m[off + r + 1]
            pj, dj = P[j], D[j]
            s = C[r] - pk
            T[r + 1] = (T[r] - max(0, s + pk - dk) - max(0, s + pk + pj - dj)
                        + max(0, s + pj - dj) + max(0, s + pj + pk - dk))
            pm[r + 1] = max(pm[r], RK[j])
        keep = True
        if rules & RULE_3 and r >= kk + 2 and C[r] <= reach:
            keep = False  # rule 3
        if rules & RULE_4A and r > kk and not T[r] < running_min:
            keep = False  # rule 4 (a): strictly below every T(i), kk <= i < r
        if rules & RULE_4B and r < n - 1 and not T[r] <= T[r + 1]:
            keep = False  # rule 4 (b): not above its right neighbour
        if keep:
            cand[count] = r
            count += 1
        running_min = min(running_min, T[r])
        if r > kk:
            reach = max(reach, D[m[off + r]] + P[m[off + r]])
    return count


@njit(cache=True)
def suffix_maxima(RK, D, m, off, n, lo, C, sm, st):
    """For lo < r < n, sm[r]: the largest rank at indices r..n−1, i.e. of B_{r−1}, and st[r]: the EDD
    tardiness Σ_{i ≥ r} max(0, C[i] − d_[i]) of those jobs (B_{r−1} from C(r−1) is EDD-tardy by st[r])."""
    running, tail = -1, 0
    for r in range(n - 1, lo, -1):
        running = max(running, RK[m[off + r]])
        sm[r] = running
        tail += max(0, C[r] - D[m[off + r]])
        st[r] = tail


@njit(cache=True)
def branch_and_memorize(P, D, RK, table, used, root, t0, node_budget):
    """Solve the subproblem ``root`` (EDD positions, in order) from time t0.

    P, D, RK are indexed by EDD position (RK: rank in the (p, d, id) order); ``used`` is the number
    of entries in ``table``. Returns (status, value, used, expansions): DONE with the value, or
    BUDGET when ``node_budget`` expansions were spent, or FULL when the table must grow first
    (the caller rehashes into a larger table, see :func:`rehash`, and calls again).
    Each memo entry holds the value and the EDD position of the job k is placed after.
    """
    n0 = root.shape[0]
    width = 7  # members, prefix max rank, suffix max rank, C, T, candidates, suffix EDD tardiness
    arena = np.zeros(width * (n0 * (n0 + 1) // 2 + n0) + 16, dtype=np.int64)
    depth = n0 + 2
    f_off = np.zeros(depth, dtype=np.int64)
    f_n = np.zeros(depth, dtype=np.int64)
    f_t = np.zeros(depth, dtype=np.int64)
    f_key = np.zeros(depth, dtype=np.int64)
    f_kk = np.zeros(depth, dtype=np.int64)
    f_ci = np.zeros(depth, dtype=np.int64)
    f_nc = np.zeros(depth, dtype=np.int64)
    f_phase = np.zeros(depth, dtype=np.int64)
    f_best = np.zeros(depth, dtype=np.int64)
    f_dec = np.zeros(depth, dtype=np.int64)
    f_lead = np.zeros(depth, dtype=np.int64)  # 1: j1 goes first, every L_r is solved without it from t + p_j1
    f_partial = np.zeros(depth, dtype=np.int64)
    f_slot = np.zeros(depth, dtype=np.int64)  # the empty slot the parent's probe found for this node
    f_wait = np.zeros(depth, dtype=np.int64)  # 1 while a child pushed by this node is being solved
    returned = 0  # value of the node that finished last
    top_rank = -1
    for i in range(n0):
        arena[i] = root[i]
        top_rank = max(top_rank, RK[root[i]])
    root_key = pack_key(root[0], root[n0 - 1], top_rank, t0)
    slot = probe(table, root_key)
    if table[2 * slot] == root_key:
        return DONE, entry_value(table[2 * slot + 1]), used, 0
    f_off[0], f_n[0], f_t[0], f_key[0], f_phase[0], f_slot[0], f_wait[0] = 0, n0, t0, root_key, INIT, slot, 0
    sp = 1
    expansions = 0
    big = np.int64(1) << 62
    while sp > 0:
        f = sp - 1
        off, n, t = f_off[f], f_n[f], f_t[f]
        m_off = off
        pm_off, sm_off, c_off, t_off, cand_off = off + n, off + 2 * n, off + 3 * n, off + 4 * n, off + 5 * n
        st_off = off + 6 * n
        if f_phase[f] == INIT:
            if expansions >= node_budget:
                return BUDGET, -1, used, expansions
            if 4 * (used + sp + 1) > 3 * (table.shape[0] >> 1):
                return FULL, -1, used, expansions  # at most sp + 1 nodes finish before the next expansion
            expansions += 1
            kk, lead, tard, all_tardy, leads = edd_pass(P, D, RK, arena, m_off, n, t, arena[c_off:c_off + n])
            f_kk[f], f_ci[f], f_phase[f], f_best[f], f_dec[f], f_lead[f] = kk, 0, NEED_L, big, -1, 0
            if all_tardy:
                f_nc[f], f_best[f], f_dec[f] = 0, spt_value(P, D, RK, arena, m_off, n, t, arena[t_off:t_off + n]), SPT
            elif tard == 0:  # EDD from t has no tardy job
                f_nc[f], f_best[f], f_dec[f] = 0, 0, EDD
            else:
                if kk > 0 and leads:
                    f_lead[f] = 1
                    lead = -1  # the L_r keys are then of L_r without j1: their largest rank excludes it
                    for i in range(1, kk):
                        lead = max(lead, RK[arena[m_off + i]])
                f_nc[f] = kept_positions(P, D, RK, arena, m_off, n, kk, lead, tard, arena[c_off:c_off + n],
                                         arena[t_off:t_off + n], arena[pm_off:pm_off + n], arena[cand_off:cand_off + n])
                suffix_maxima(RK, D, arena, m_off, n, arena[cand_off], arena[c_off:c_off + n],
                              arena[sm_off:sm_off + n], arena[st_off:st_off + n])
        kk = f_kk[f]
        k = arena[m_off + kk]
        pushed = False
        while f_ci[f] < f_nc[f] and f_best[f] > 0:
            r = arena[cand_off + f_ci[f]]
            child_off = off + width * n
            if f_phase[f] == NEED_L:
                # L_r = EDD indices 0..r without k, from t; when j1 leads, L_r without j1 (indices 1..r) from t1
                skip = f_lead[f]
                t1 = t + P[arena[m_off]] if skip else t
                count = r - skip
                # EDD tardiness of that set: T(r) counts L_r in EDD order (j1 first), then k at C(r), then
                # the EDD tail at its own times
                edd_tard = (arena[t_off + r] - max(0, arena[c_off + r] - D[k])
                            - (arena[st_off + r + 1] if r + 1 < n else 0))
                if skip:
                    edd_tard -= max(0, t1 - D[arena[m_off]])
                if count <= 2:
                    # copy the (at most two) members to scratch and evaluate directly
                    c = 0
                    for i in range(skip, r + 1):
                        if i != kk:
                            arena[child_off + c] = arena[m_off + i]
                            c += 1
                    value, _ = small_value(P, D, arena, child_off, count, t1)
                elif edd_tard == 0:
                    value = 0  # no tardy job in EDD order: not stored, the rebuild sees it
                elif f_wait[f] == 1:
                    value, f_wait[f] = returned, 0
                else:
                    first = arena[m_off + (skip + 1 if kk == skip else skip)]
                    last = arena[m_off + (r - 1 if r == kk else r)]
                    key = pack_key(first, last, arena[pm_off + r], t1)
                    slot = probe(table, key)
                    if table[2 * slot] != key:
                        c = 0
                        for i in range(skip, r + 1):
                            if i != kk:
                                arena[child_off + c] = arena[m_off + i]
                                c += 1
                        g = sp
                        f_off[g], f_n[g], f_t[g], f_key[g], f_phase[g] = child_off, count, t1, key, INIT
                        f_slot[g], f_wait[g], f_wait[f] = slot, 0, 1
                        sp += 1
                        pushed = True
                        break
                    value = entry_value(table[2 * slot + 1])
                f_partial[f] = value + max(0, arena[c_off + r] - D[k])
                if skip:
                    f_partial[f] += max(0, t1 - D[arena[m_off]])
                f_phase[f] = NEED_B
            # NEED_B: the jobs after EDD index r, from C(r)
            count = n - 1 - r
            start = arena[c_off + r]
            if count <= 2:
                value, _ = small_value(P, D, arena, m_off + r + 1, count, start)
            elif arena[st_off + r + 1] == 0:
                value = 0  # B_r in EDD order from C(r) has no tardy job
            elif f_wait[f] == 1:
                value, f_wait[f] = returned, 0
            else:
                key = pack_key(arena[m_off + r + 1], arena[m_off + n - 1], arena[sm_off + r + 1], start)
                slot = probe(table, key)
                if table[2 * slot] != key:
                    for i in range(count):
                        arena[child_off + i] = arena[m_off + r + 1 + i]
                    g = sp
                    f_off[g], f_n[g], f_t[g], f_key[g], f_phase[g] = child_off, count, start, key, INIT
                    f_slot[g], f_wait[g], f_wait[f] = slot, 0, 1
                    sp += 1
                    pushed = True
                    break
                value = entry_value(table[2 * slot + 1])
            total = f_partial[f] + value
            if total < f_best[f]:
                f_best[f], f_dec[f] = total, arena[m_off + r]
            f_ci[f] += 1
            f_phase[f] = NEED_L
        if pushed:
            continue
        # node finished: remember its exact value in the slot the parent's probe found, unless a
        # descendant took it meanwhile (then probe again); the parent reads the value from `returned`
        slot = f_slot[f]
        if table[2 * slot] != 0:
            slot = probe(table, f_key[f])
        if table[2 * slot] != f_key[f]:
            used += 1
        table[2 * slot], table[2 * slot + 1] = f_key[f], (f_best[f] << DEC_BITS) | (f_lead[f] * LEAD_BIT) | (f_dec[f] + 2)
        returned = f_best[f]
        sp -= 1
    slot = probe(table, root_key)
    return DONE, entry_value(table[2 * slot + 1]), used, expansions


@njit(cache=True)
def rebuild(P, D, RK, table, root, t0):
    """The optimal order (EDD positions) of ``root`` from t0, by replaying the stored decisions."""
    n0 = root.shape[0]
    out = np.zeros(n0, dtype=np.int64)
    written = 0
    # stack entries: kind (0 node given by a member list in `pool`, 1 emit one position), pool offset, count, t
    cap = 3 * n0 + 8
    s_kind = np.zeros(cap, dtype=np.int64)
    s_off = np.zeros(cap, dtype=np.int64)
    s_n = np.zeros(cap, dtype=np.int64)
    s_t = np.zeros(cap, dtype=np.int64)
    pool = np.zeros(n0 * (n0 + 1) // 2 + n0 + 8, dtype=np.int64)  # member lists along the current path
    pool[:n0] = root
    s_kind[0], s_off[0], s_n[0], s_t[0] = 0, 0, n0, t0
    sp = 1
    pool_top = n0
    while sp > 0:
        sp -= 1
        kind, off, n, t = s_kind[sp], s_off[sp], s_n[sp], s_t[sp]
        if kind == 1:
            out[written] = off
            written += 1
            continue
        if n <= 2:
            _, swapped = small_value(P, D, pool, off, n, t)
            if n == 2 and swapped == 1:
                out[written], out[written + 1] = pool[off + 1], pool[off]
            else:
                for i in range(n):
                    out[written + i] = pool[off + i]
            written += n
            continue
        kk, top, tard, clock = 0, -1, 0, t
        for i in range(n):
            clock += P[pool[off + i]]
            tard += max(0, clock - D[pool[off + i]])
            if RK[pool[off + i]] > top:
                top, kk = RK[pool[off + i]], i
        # a child with no tardy job in EDD order is not stored by the search
        after, leads = EDD, False
        if tard > 0:
            slot = probe(table, pack_key(pool[off], pool[off + n - 1], top, t))
            after, leads = entry_decision(table[2 * slot + 1]), entry_leads(table[2 * slot + 1])
        if after == EDD:
            for i in range(n):
                out[written + i] = pool[off + i]
            written += n
            continue
        if after == SPT:
            spt_value(P, D, RK, pool, off, n, t, out[written:written + n])
            written += n
            continue
        r, clock = 0, t
        for i in range(n):
            clock += P[pool[off + i]]
            if pool[off + i] == after:
                r = i
                break
        # children lists are written past the pool top; LIFO order keeps them alive long enough
        l_off = pool_top
        skip = 1 if leads else 0  # j1 first, then L_r without it from t + p_j1
        c = 0
        for i in range(skip, r + 1):
            if i != kk:
                pool[l_off + c] = pool[off + i]
                c += 1
        b_off = l_off + c
        for i in range(r + 1, n):
            pool[b_off + i - r - 1] = pool[off + i]
        pool_top = b_off + (n - 1 - r)
        s_kind[sp], s_off[sp], s_n[sp], s_t[sp] = 0, b_off, n - 1 - r, clock
        sp += 1
        s_kind[sp], s_off[sp], s_n[sp], s_t[sp] = 1, pool[off + kk], 1, 0
        sp += 1
        s_kind[sp], s_off[sp], s_n[sp], s_t[sp] = 0, l_off, c, t + skip * P[pool[off]]
        sp += 1
        if leads:
            s_kind[sp], s_off[sp], s_n[sp], s_t[sp] = 1, pool[off], 1, 0
            sp += 1
    return out
