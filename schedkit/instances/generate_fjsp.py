"""Random flexible job shops with the distribution of the long-horizon FJSP papers.

The "SD2" generator of DANIEL (Wang et al., FJSP-DRL) as used by L-RHO's ``makespan/gen_instance.py``
(``fjsp_rho.md`` §1.7): every job has the same number of operations; each operation gets k eligible
machines, k uniform on 1..M (or exactly F with ``--flexibility F``), a uniform random k-subset; each
eligible machine a processing time uniform on 1..99 (``--min-time``/``--max-time``). 20 × 10 × 30
gives the papers' 600-operation instances.
"""

from __future__ import annotations

import random
from pathlib import Path

import click

from schedkit.instances.fjsp import FJSPInstance, write_fjs


def generate_fjsp(jobs: int, machines: int, ops_per_job: int, seed: int, flexibility: int | None = None,
                  min_time: int = 1, max_time: int = 99) -> FJSPInstance:
    """A random instance named ``fjsp_{jobs}x{machines}x{ops_per_job}_s{seed}``."""
    if flexibility is not None and not 1 <= flexibility <= machines:
        raise ValueError(f"flexibility {flexibility} must lie in 1..{machines}")
    rng = random.Random(seed)
    generated = []
    for _ in range(jobs):
        ops = []
        for _ in range(ops_per_job):
            k = flexibility if flexibility is not None else rng.randint(1, machines)
            eligible = sorted(rng.sample(range(machines), k))
            ops.append({m: rng.randint(min_time, max_time) for m in eligible})
        generated.append(tuple(ops))
    return FJSPInstance(f"fjsp_{jobs}x{machines}x{ops_per_job}_s{seed}", machines, tuple(generated))


@click.command("fjsp")
@click.option("--jobs", type=click.IntRange(1), required=True)
@click.option("--machines", type=click.IntRange(1), required=True)
@click.option("--ops-per-job", type=click.IntRange(1), required=True)
@click.option("--flexibility", type=click.IntRange(1), default=None,
              help="Eligible machines per operation (default: uniform on 1..machines).")
@click.option("--min-time", type=click.IntRange(0), default=1, show_default=True)
@click.option("--max-time", type=click.IntRange(0), default=99, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="The .fjs file to write.")
def command(jobs, machines, ops_per_job, flexibility, min_time, max_time, seed, out):
    """Random flexible job shop (SD2 distribution of the L-RHO / Graph-RHO papers) as FJSPLIB .fjs."""
    if flexibility is not None and flexibility > machines:
        raise click.BadParameter(f"at most --machines ({machines})", param_hint="--flexibility")
    if min_time > max_time:
        raise click.BadParameter(f"must not exceed --max-time ({max_time})", param_hint="--min-time")
    instance = generate_fjsp(jobs, machines, ops_per_job, seed, flexibility, min_time, max_time)
    Path(out).write_text(write_fjs(instance), encoding="utf-8")
    click.echo(f"{out}: {jobs} jobs × {ops_per_job} operations = {instance.num_operations} operations "
               f"on {machines} machines")
