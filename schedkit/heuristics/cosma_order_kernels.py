"""numba kernels of the COSMA order search: the byte-count replay and batches of annealing moves.

``replay`` is ``cosma_order_search.Replay.traffic`` over flat arrays (the same Belady eviction,
ties to the tensor resident longest, so the two return the same traffic; the tests compare them);
``anneal`` runs a batch of the search's block moves (one operator, or a whole chain) with the
replay as the objective. Compiled because the search's value comes from how many orders it tries:
the Python replay takes ~0.6 ms on a 235-operator graph, the kernel a few microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np


@dataclass(frozen=True)
class OrderArrays:
    """The instance at one capacity as CSR arrays for the kernels."""

    capacity: int
    sizes: np.ndarray  # int64[T]
    produced: np.ndarray  # bool[T]
    need_ptr: np.ndarray  # operator → its tracked tensors (inputs and outputs)
    need_idx: np.ndarray
    event_ptr: np.ndarray  # tensor → operators with an event of it
    event_idx: np.ndarray
    pred_ptr: np.ndarray
    pred_idx: np.ndarray
    succ_ptr: np.ndarray
    succ_idx: np.ndarray
    chain_of: np.ndarray  # operator → chain id
    chain_ptr: np.ndarray  # chain id → its operators in path order
    chain_idx: np.ndarray


def _csr(lists) -> tuple[np.ndarray, np.ndarray]:
    ptr = np.zeros(len(lists) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(x) for x in lists])
    idx = np.array([v for x in lists for v in x], dtype=np.int64)
    return ptr, idx


def order_arrays(replay, chain_lists) -> OrderArrays:
    """Arrays of a ``Replay`` and its ``chains`` (one list per operator)."""
    ids: dict[tuple[int, ...], int] = {}
    chain_of = np.array([ids.setdefault(tuple(chain), len(ids)) for chain in chain_lists], dtype=np.int64)
    chain_ptr, chain_idx = _csr(list(ids))
    need_ptr, need_idx = _csr(replay.needs)
    event_ptr, event_idx = _csr(replay.tensor_events)
    pred_ptr, pred_idx = _csr(replay.predecessors)
    succ_ptr, succ_idx = _csr(replay.successors)
    return OrderArrays(int(replay.capacity), np.array(replay.sizes, dtype=np.int64), np.array(replay.produced, dtype=np.bool_),
                       need_ptr, need_idx, event_ptr, event_idx, pred_ptr, pred_idx, succ_ptr, succ_idx, chain_of, chain_ptr,
                       chain_idx)


@numba.njit(cache=True)
def replay(order, capacity, sizes, produced, need_ptr, need_idx, event_ptr, event_idx):
    """Traffic of ``order`` by the byte-count replay (see ``Replay.traffic``)."""
    n = order.shape[0]
    num_tensors = sizes.shape[0]
    position = np.empty(n, dtype=np.int64)
    for s in range(n):
        position[order[s]] = s
    nxt = np.full(num_tensors, -2, dtype=np.int64)  # next event step of a resident tensor, -2 when not resident
    seen = np.zeros(num_tensors, dtype=np.bool_)
    spilled = np.zeros(num_tensors, dtype=np.bool_)
    pinned = np.zeros(num_tensors, dtype=np.bool_)
    resident = np.empty(num_tensors, dtype=np.int64)  # resident tensors in the order they came in
    count = 0
    load = 0
    total = 0
    for s in range(n):
        v = order[s]
        kept = 0
        for i in range(count):  # drop the tensors with no event left
            t = resident[i]
            if nxt[t] < s:
                load -= sizes[t]
                nxt[t] = -2
            else:
                resident[kept] = t
                kept += 1
        count = kept
        for j in range(need_ptr[v], need_ptr[v + 1]):
            t = need_idx[j]
            following = -1
            for e in range(event_ptr[t], event_ptr[t + 1]):
                p = position[event_idx[e]]
                if p > s and (following < 0 or p < following):
                    following = p
            if nxt[t] == -2:
                if seen[t]:
                    total += sizes[t]
                seen[t] = True
                load += sizes[t]
                resident[count] = t
                count += 1
            nxt[t] = following if following >= 0 else s
        if load > capacity:
            for j in range(need_ptr[v], need_ptr[v + 1]):
                pinned[need_idx[j]] = True
            while load > capacity:
                victim = -1
                for i in range(count):  # furthest next event; the first such in arrival order
                    t = resident[i]
                    if not pinned[t] and (victim < 0 or nxt[t] > nxt[resident[victim]]):
                        victim = i
                if victim < 0:
                    break
                t = resident[victim]
                if produced[t] and not spilled[t]:
                    spilled[t] = True
                    total += sizes[t]
                load -= sizes[t]
                nxt[t] = -2
                for i in range(victim, count - 1):
                    resident[i] = resident[i + 1]
                count -= 1
            for j in range(need_ptr[v], need_ptr[v + 1]):
                pinned[need_idx[j]] = False
    return total


@numba.njit(cache=True)
def seed_kernels(seed):
    np.random.seed(seed)


@numba.njit(cache=True)
def block_move(current, candidate, chain, member, pred_ptr, pred_idx, succ_ptr, succ_idx, rest, place):
    """``candidate`` := ``current`` with ``chain`` taken out and put back contiguously at a random
    place between its outside predecessors and successors; False when no move (or the same order)."""
    n = current.shape[0]
    for v in chain:
        member[v] = True
    m = 0
    for s in range(n):
        v = current[s]
        if not member[v]:
            rest[m] = v
            place[v] = m
            m += 1
    low = 0
    high = m
    for v in chain:
        for j in range(pred_ptr[v], pred_ptr[v + 1]):
            u = pred_idx[j]
            if not member[u] and place[u] + 1 > low:
                low = place[u] + 1
        for j in range(succ_ptr[v], succ_ptr[v + 1]):
            w = succ_idx[j]
            if not member[w] and place[w] < high:
                high = place[w]
    for v in chain:
        member[v] = False
    if high < low:
        return False
    target = np.random.randint(low, high + 1)
    k = chain.shape[0]
    same = True
    for s in range(n):
        if s < target:
            candidate[s] = rest[s]
        elif s < target + k:
            candidate[s] = chain[s - target]
        else:
            candidate[s] = rest[s - k]
        if candidate[s] != current[s]:
            same = False
    return not same


@numba.njit(cache=True)
def anneal(current, current_value, best, best_value, moves, temperature, block_share, stale, stale_limit, capacity, sizes,
           produced, need_ptr, need_idx, event_ptr, event_idx, pred_ptr, pred_idx, succ_ptr, succ_idx, chain_of, chain_ptr,
           chain_idx):
    """Up to ``moves`` block moves at ``temperature`` (a worse order is accepted with probability
    exp(-growth / temperature)); ``current`` and ``best`` are updated in place. Returns
    (current value, best value, orders tried in a row without a new best)."""
    n = current.shape[0]
    candidate = np.empty(n, dtype=np.int64)
    rest = np.empty(n, dtype=np.int64)
    place = np.empty(n, dtype=np.int64)
    member = np.zeros(n, dtype=np.bool_)
    single = np.empty(1, dtype=np.int64)
    for _ in range(moves):
        if best_value == 0 or stale >= stale_limit:
            break
        v = current[np.random.randint(n)]
        c = chain_of[v]
        if chain_ptr[c + 1] - chain_ptr[c] > 1 and np.random.random() < block_share:
            chain = chain_idx[chain_ptr[c]:chain_ptr[c + 1]]
        else:
            single[0] = v
            chain = single
        if not block_move(current, candidate, chain, member, pred_ptr, pred_idx, succ_ptr, succ_idx, rest, place):
            continue
        stale += 1  # counts orders tried: on ba250 most random picks cannot move, and those are free
        value = replay(candidate, capacity, sizes, produced, need_ptr, need_idx, event_ptr, event_idx)
        if value <= current_value or (temperature > 0 and np.random.random() < np.exp((current_value - value) / temperature)):
            current[:] = candidate
            current_value = value
            if value < best_value:
                best[:] = candidate
                best_value = value
                stale = 0
    return current_value, best_value, stale


def replay_order(arrays: OrderArrays, order) -> int:
    """The kernel replay of one order (a Python list or array)."""
    a = arrays
    return int(replay(np.asarray(order, dtype=np.int64), a.capacity, a.sizes, a.produced, a.need_ptr, a.need_idx,
                      a.event_ptr, a.event_idx))


def anneal_batch(arrays: OrderArrays, current, current_value, best, best_value, moves, temperature, block_share, stale,
                 stale_limit):
    a = arrays
    values = anneal(current, current_value, best, best_value, moves, float(temperature), float(block_share), stale,
                    stale_limit, a.capacity, a.sizes, a.produced, a.need_ptr, a.need_idx, a.event_ptr, a.event_idx,
                    a.pred_ptr, a.pred_idx, a.succ_ptr, a.succ_idx, a.chain_of, a.chain_ptr, a.chain_idx)
    return int(values[0]), int(values[1]), int(values[2])
