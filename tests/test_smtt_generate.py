"""The Potts–Van Wassenhove generator: due dates drawn on the whole interval, each clipped at 0."""

import numpy as np
import pytest

from schedkit.instances.generate_smtt import generate_smtt


@pytest.mark.parametrize(("tf", "rdd"), [(0.8, 1.0), (0.8, 0.6), (1.0, 0.2), (0.6, 0.4), (0.2, 0.2)])
def test_due_dates_follow_the_clipped_interval(tf, rdd):
    zeros, inside = [], True
    for seed in range(60):
        instance = generate_smtt(100, tf, rdd, np.random.default_rng(seed))
        p, d = np.asarray(instance.p), np.asarray(instance.d)
        total = p.sum()
        assert p.min() >= 1 and p.max() <= 100 and d.min() >= 0
        inside &= bool(d.max() <= np.floor(total * (1 - tf + rdd / 2)))
        zeros.append((d == 0).mean())
    # a negative lower end leaves that share of the jobs due at time 0 (not a due date uniform on [0, high])
    expected = max(0.0, -(1 - tf - rdd / 2)) / rdd
    assert inside
    assert abs(np.mean(zeros) - expected) < 0.03


def test_same_seed_same_instance():
    one = generate_smtt(50, 0.8, 1.0, np.random.default_rng(3), weighted=True)
    two = generate_smtt(50, 0.8, 1.0, np.random.default_rng(3), weighted=True)
    assert one == two
