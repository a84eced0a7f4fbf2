"""The ``schedkit`` command line: solve, validate, info, convert, methods."""

from __future__ import annotations

import functools
import importlib
import json
import pkgutil
import signal
import sys
from pathlib import Path

import click

from schedkit.errors import SchedkitError


def friendly_errors(command):
    """Print a SchedkitError as one line on stderr and exit 2, without a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except SchedkitError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper


def instance_options(command):
    command = click.option("--index", type=int, default=None,
                           help="Instance number in a multi-instance file (OR-Library wt, 1-based).")(command)
    command = click.option("--problem", default=None,
                           help="Force the problem family (smtt, rcpsp, fjsp, jssp, ...).")(command)
    return command


def _load(path, problem, index):
    from schedkit.instances import load

    return load(path, problem=problem, index=index)


def _parse_params(pairs: tuple[str, ...]) -> dict:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SchedkitError(f"--param {pair!r}: expected KEY=VALUE")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


@click.group()
@click.version_option(package_name="schedkit")
def main():
    """schedkit: optimization models for scheduling problems."""


@main.command()
@click.argument("instance_path", type=click.Path(dir_okay=False))
@instance_options
@click.option("--method", default=None, help="Registered method, e.g. rcpsp/cpsat (see `schedkit methods`).")
@click.option("--time-limit", type=float, default=None, help="Seconds in all.")
@click.option("--threads", type=int, default=2, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--warm-start", default=None, help="Method whose schedule warm-starts this one (e.g. smtt/edd).")
@click.option("--param", "params", multiple=True, help="Method-specific option KEY=VALUE (repeatable).")
@click.option("--budget", default=None, help="COSMA scratchpad capacity: bytes or a named budget (M_R, M_P, M_H).")
@click.option("--weights", is_flag=True, default=None, help="COSMA: include weight tensors in the scratchpad.")
@click.option("--output", type=click.Path(dir_okay=False), default=None, help="Write the result JSON here.")
@click.option("--json", "as_json", is_flag=True, help="Print the result JSON instead of the summary.")
@click.option("--log", is_flag=True, help="Show the solver's log.")
@click.option("--gantt", type=click.Path(dir_okay=False), default=None, callback=lambda ctx, param, value: _gantt_path(value),
              help="Draw a Gantt chart: .html (interactive, plotly) or .png/.svg/.pdf (matplotlib).")
@friendly_errors
def solve(instance_path, problem, index, method, time_limit, threads, seed, warm_start, params, budget, weights,
          output, as_json, log, gantt):
    """Solve INSTANCE_PATH with a method; the result is validated before it is written."""
    from schedkit.bounds import lower_bound
    from schedkit.instances.values import best_known
    from schedkit.registry import SolveOptions, default_method
    from schedkit.registry import solve as run

    instance = _load(instance_path, problem, index)
    method = method or default_method(instance.problem)
    params = _parse_params(params)
    if budget is not None:
        params["budget"] = budget
    if weights:
        params["weights"] = True
    options = SolveOptions(time_limit=time_limit, threads=threads, seed=seed, log=log, params=params)
    result = run(instance, method, options, warm_start=warm_start)
    if output:
        result.write(output)
    if gantt:
        from schedkit.plot import write_gantt

        write_gantt(instance, result, gantt)
    if as_json:
        click.echo(result.to_json())
        return
    known = best_known(instance.problem, instance.name)
    bound = result.bound
    if bound is None and result.objective is not None:
        bound = lower_bound(instance)
    gap = None
    if result.objective is not None and bound is not None:
        gap = 0.0 if result.objective == bound else (result.objective - bound) / max(abs(result.objective), 1)
    click.echo(f"{instance.name}  {result.method}  status: {result.status} ({result.termination})")
    click.echo(f"  objective: {_show(result.objective)}  bound: {_show(bound)}  "
               f"gap: {'-' if gap is None else f'{100 * gap:.2f}%'}  time: {result.runtime_s:.2f}s")
    if result.extra.get("reason"):
        click.echo(f"  {result.extra['reason']}")
    if known is not None:
        kind = "optimum" if known.optimal else f"best known (lower bound {known.lower})"
        click.echo(f"  {kind}: {known.upper}")
    conflict = result.extra.get("conflict")
    if isinstance(conflict, dict) and conflict.get("constraints"):  # RCPSP: why it is infeasible
        click.echo("  conflicting constraints" + (" (irreducible)" if conflict.get("minimal") else "") + ":")
        for item in conflict["constraints"]:
            click.echo(f"    {item['name']}: {item['description']}")
    if output:
        click.echo(f"  result written to {output}")
    if gantt:
        click.echo(f"  Gantt chart written to {gantt}")


def _show(value):
    return "-" if value is None else str(value)


def _gantt_path(value):
    """Refuse an unknown chart extension before solving, not after."""
    from schedkit.plot.gantt import PICTURE_SUFFIXES

    if value is not None and Path(value).suffix.lower() not in (".html", *PICTURE_SUFFIXES):
        raise click.BadParameter(f"{value}: expected a .html (plotly) or .png/.svg/.pdf (matplotlib) file")
    return value


@main.command("validate")
@click.argument("instance_path", type=click.Path(dir_okay=False))
@click.argument("result_path", type=click.Path(dir_okay=False))
@instance_options
@friendly_errors
def validate_command(instance_path, result_path, problem, index):
    """Check RESULT_PATH against INSTANCE_PATH: print every violation, exit 1 on any, or when the
    stated objective differs from the one recomputed from the schedule."""
    from schedkit.result import Result
    from schedkit.validate import validate

    instance = _load(instance_path, problem, index)
    try:
        result = Result.read(result_path)
    except (OSError, ValueError, KeyError) as error:
        raise SchedkitError(f"{result_path}: not a schedkit result file: {error}") from None
    report = validate(instance, result)
    for violation in report.violations:
        click.echo(str(violation))
    failed = bool(report.violations)
    if result.objective is not None and report.objective != result.objective:
        click.echo(f"[objective] the file states {result.objective}, the schedule gives {report.objective}")
        failed = True
    if failed:
        sys.exit(1)
    click.echo(f"valid: {len(result.schedule)} rows, objective {report.objective}")


@main.command()
@click.argument("instance_path", type=click.Path(dir_okay=False))
@instance_options
@friendly_errors
def info(instance_path, problem, index):
    """Size and simple lower bounds of an instance."""
    from schedkit.bounds import describe
    from schedkit.instances.values import best_known

    instance = _load(instance_path, problem, index)
    details = describe(instance)
    known = best_known(instance.problem, instance.name)
    if known is not None:
        details["best_known"] = known.upper
        details["best_known_lower"] = known.lower
    width = max(len(k) for k in details)
    for key, value in details.items():
        click.echo(f"{key:<{width}}  {value}")


@main.command()
@click.argument("instance_path", type=click.Path(dir_okay=False))
@click.argument("output_path", type=click.Path(dir_okay=False))
@instance_options
@friendly_errors
def convert(instance_path, output_path, problem, index):
    """Write an instance in another format: .json (native, lossless), .csv (smtt), .fjs (fjsp)."""
    from schedkit.instances import write_instance

    instance = _load(instance_path, problem, index)
    write_instance(instance, Path(output_path))
    click.echo(f"{instance.name} ({instance.problem}) written to {output_path}")


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--method", "method_names", multiple=True, required=True, help="Registered method (repeatable).")
@click.option("--time-limit", type=float, default=10.0, show_default=True, help="Seconds per run.")
@click.option("--threads", type=int, default=1, show_default=True, help="Threads per run.")
@click.option("--seeds", type=int, default=1, show_default=True, help="Seeds 0..K-1 per instance and method.")
@click.option("--jobs", type=int, default=1, show_default=True, help="Runs at once (local worker processes).")
@click.option("--problem", default=None, help="Force the problem family of the files.")
@click.option("--index", "index_spec", default=None, help="Instances of multi-instance files (OR-Library wt): 1-20,25.")
@click.option("--param", "params", multiple=True, help="Method-specific option KEY=VALUE (repeatable).")
@click.option("--scheduler", default=None, help="Dask scheduler address: run the sweep on a dask.distributed cluster.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Rows go here (.csv, or .parquet).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@friendly_errors
def bench(paths, method_names, time_limit, threads, seeds, jobs, problem, index_spec, params, scheduler, out, quiet):
    """Benchmark methods on the instances in PATHS (files, globs, folders); one row per run is
    appended to --out as it finishes, and runs already there are skipped (resume)."""
    from schedkit.bench.plan import parse_indices, plan_runs
    from schedkit.bench.pool import start_workers
    from schedkit.bench.sweep import sweep

    if scheduler is None:
        start_workers()  # the worker processes' imports overlap the planning
    plan = plan_runs(list(paths), list(method_names), seeds=seeds, time_limit=time_limit, threads=threads,
                     problem=problem, indices=parse_indices(index_spec), params=_parse_params(params))
    # `kill PID` (SIGTERM) unwinds like Ctrl-C, so the runs still going are stopped too
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(143))
    summary = sweep(plan.runs, out, jobs=jobs, scheduler=scheduler, progress=not quiet)
    if summary.dropped_torn_line:
        click.echo(f"dropped a torn last line of {out}; its run was done again", err=True)
    click.echo(f"{summary.planned} runs planned, {summary.already_done} already in {out}, {summary.ran} run now "
               f"({summary.optimal} optimal, {summary.failed} failed)")


@main.command()
@click.argument("runs_path", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["markdown", "latex", "csv"]), default="markdown", show_default=True)
@click.option("--by", "by", multiple=True, help="Group by this column besides the method (repeatable) [default: instance_set].")
@click.option("--plot", type=click.Path(dir_okay=False), default=None,
              help="Also write a performance profile and primal gap over time (PNG/SVG/PDF).")
@click.option("--profile", type=click.Choice(["objective", "time"]), default="objective", show_default=True,
              help="Performance profile of the objective found, or of the time to a proven optimum.")
@friendly_errors
def report(runs_path, fmt, by, plot, profile):
    """Summarize a bench file: per method (and instance set) runs, optimal, gaps, deviation, runtimes, wins."""
    from schedkit.bench.report import render, summarize
    from schedkit.bench.store import read_runs

    runs = read_runs(runs_path)
    click.echo(render(summarize(runs, tuple(by) or ("instance_set",)), fmt))
    if plot:
        from schedkit.bench.profile import plot_profiles

        click.echo(f"plot written to {plot_profiles(runs, plot, profile)}", err=True)


@main.command("methods")
@click.option("--problem", default=None, help="Only the methods of this problem.")
def methods_command(problem):
    """List the registered methods."""
    from schedkit.registry import methods

    for method in methods(problem):
        click.echo(f"{method.name:<22} {method.kind:<10} {method.description}")


@main.group()
def generate():
    """Generate random instances (one subcommand per family)."""


def _add_generators() -> None:
    """Each module ``schedkit/instances/generate_<family>.py`` exposes a click ``command``."""
    import schedkit.instances as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name.startswith("generate_"):
            generate.add_command(importlib.import_module(f"schedkit.instances.{module.name}").command)


_add_generators()


if __name__ == "__main__":
    main()
