"""`ketacare pk ...`: models, simulate, population, timeline.

Scripts rely on the option and column names documented in docs/pharmacology.md.  Bad input gets one
line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from .effects import EFFECT_SITES
from .library import MODELS
from .model import ETHNICITIES, ROUTES, SEXES, Model, Param, Patient, Regimen
from .plot import course_svg
from .request import DoseRequest, RequestError, plan
from .simulate import SimulationError, sample_etas, simulate, tidy
from .sources import cite
from .timeline import timeline
from .units import SALT_FORMS, DoseError, parse_dose

COLUMNS = (
    "time_min",
    "ketamine_plasma_ng_ml",
    "ketamine_effect_ng_ml",
    "norketamine_plasma_ng_ml",
    "nmda_occupancy",
)

# Input sanity limits (engineering limits that catch typos; not clinical guidance).  Dose and patient
# limits live in request.py, shared with the dose-planning page.
MAX_HOURS = 24.0 * 7
MAX_SUBJECTS = 100_000


class UsageError(Exception):
    """Raised instead of argparse's exit so that main() prints exactly one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _patient_options(
    p: argparse.ArgumentParser, *, population: bool = False, timeline_opts: bool = False
) -> None:
    p.add_argument("--model", help="model id (see `ketacare pk models`); default depends on route and age")
    p.add_argument("--weight-kg", type=float, required=True)
    p.add_argument("--age", type=float, required=True, help="years")
    p.add_argument("--sex", choices=SEXES, required=True)
    p.add_argument("--height-cm", type=float, help="accepted; no shipped model uses height")
    p.add_argument(
        "--ethnicity", choices=ETHNICITIES, default="not-asian", help="used by perez-ruixo-2020 only"
    )
    p.add_argument("--route", choices=ROUTES, required=True)
    p.add_argument(
        "--dose", required=True, help="e.g. 0.5mg/kg or 35mg (the infusion part if --loading-dose)"
    )
    p.add_argument(
        "--salt",
        choices=SALT_FORMS,
        default="base",
        help="whether --dose is ketamine base or the hydrochloride salt (1 mg HCl = 0.867 mg base)",
    )
    p.add_argument("--duration-min", type=float, default=0.0, help="infusion duration (iv-infusion)")
    p.add_argument("--loading-dose", help="IV loading dose given before the infusion, e.g. 0.11mg/kg")
    p.add_argument("--loading-duration-min", type=float, default=0.0, help="0 for a bolus")
    p.add_argument("--repeat", type=int, default=1, help="number of identical doses")
    p.add_argument("--interval-min", type=float, default=0.0, help="between repeated doses")
    p.add_argument(
        "--device-mg", type=float, default=28.0, help="intranasal: mg per device (Spravato: 28 mg esketamine)"
    )
    p.add_argument(
        "--device-interval-min",
        type=float,
        default=5.0,
        help="intranasal: minutes between devices (default 5, the label's rest between devices)",
    )
    p.add_argument(
        "--bioavailability",
        type=float,
        help="oral, sublingual or IM: replace the model's F (fraction) with your own source's",
    )
    p.add_argument(
        "--absorption-half-time-min",
        type=float,
        help="oral, sublingual or IM: replace the model's first-order absorption half-time (min)",
    )
    p.add_argument("--effect-site", choices=sorted(EFFECT_SITES), help="ke0 source; default depends on model")
    p.add_argument("--format", choices=("json", "csv", "table"), default="table")
    if population:
        p.add_argument("--n", type=int, default=10000, help="number of virtual patients")
        p.add_argument("--hours", type=float, default=24.0)
        p.add_argument("--seed", type=int, default=1)
        p.add_argument("--step-min", type=float, default=5.0, help="output grid (min)")
    elif timeline_opts:
        p.add_argument(
            "--n", type=int, default=1000, help="virtual patients for the 5th-95th percentile band"
        )
        p.add_argument("--hours", type=float, default=24.0)
        p.add_argument("--seed", type=int, default=1)
    else:
        p.add_argument("--times-min", help="comma-separated output times, e.g. 10,20,40")
        p.add_argument("--hours", type=float, default=24.0, help="course length without --times-min")
        p.add_argument("--plot", help="SVG path for the plot (default ./ketacare-pk-MODEL.svg)")


def _parser() -> _Parser:
    parser = _Parser(
        prog="ketacare pk", description="Ketamine/esketamine pharmacokinetics (exact, vectorised)."
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    models = sub.add_parser("models", help="list the models")
    models.add_argument("--format", choices=("json", "table"), default="table")
    _patient_options(sub.add_parser("simulate", help="concentrations for one (typical) patient"))
    _patient_options(
        sub.add_parser("population", help="percentiles over time across virtual patients"), population=True
    )
    _patient_options(
        sub.add_parser("timeline", help="what to expect: onset, peak, recovery"), timeline_opts=True
    )
    return parser


def _model_json(model: Model) -> dict[str, Any]:
    return {
        "id": model.id,
        "title": model.title,
        "analyte": model.analyte,
        "routes": list(model.routes),
        "population": model.population,
        "sampling": model.sampling,
        "validity": {
            "weight_kg": list(model.validity.weight_kg),
            "age_years": list(model.validity.age_years),
            "from_paper": model.validity.verified,
            "note": model.validity.note,
        },
        "has_norketamine": model.has_norketamine,
        "between_subject_variability": model.variability is not None,
        "variability_verified": None if model.variability is None else model.variability.verified,
        "default_effect_site": model.default_effect_site,
        "verified": model.verified,
        "unverified_parameters": [k for k, p in model.params.items() if not p.verified],
        "citations": [cite(key) for key in model.citations],
        "notes": list(model.notes),
        "absorption": {
            route: {
                "bioavailability": {name: _param_json(model.params[name]) for name in spec.bioavailability},
                "half_time_min": _param_json(model.params[spec.half_time_min]),
            }
            for route, spec in model.absorption.items()
        },
    }


def _param_json(p: Param) -> dict[str, Any]:
    return {"value": p.value, "unit": p.unit, "source": p.source, "verified": p.verified, "note": p.note}


def _build_request(
    args: argparse.Namespace,
) -> tuple[Model, Patient, Regimen, list[str], dict[str, float]]:
    patient = Patient(args.weight_kg, args.age, args.sex, args.height_cm, args.ethnicity)
    request = DoseRequest(
        route=args.route,
        dose=parse_dose(args.dose, args.salt),
        duration_min=args.duration_min,
        loading_dose=parse_dose(args.loading_dose, args.salt) if args.loading_dose else None,
        loading_duration_min=args.loading_duration_min,
        repeat=args.repeat,
        interval_min=args.interval_min,
        device_mg=args.device_mg,
        device_interval_min=args.device_interval_min,
        model_id=args.model,
        bioavailability=args.bioavailability,
        absorption_half_time_min=args.absorption_half_time_min,
    )
    result = plan(request, patient)
    return result.model, result.patient, result.regimen, result.notes, result.params


def _hours(args: argparse.Namespace, regimen: Regimen) -> float:
    hours = float(args.hours)
    if not math.isfinite(hours) or hours <= 0 or hours > MAX_HOURS:
        raise UsageError(f"--hours must be between 0 and {MAX_HOURS:g}")
    return max(hours, regimen.end_min / 60.0)


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def _emit_rows(
    rows: list[dict[str, Any]], header: dict[str, Any], fmt: str, out: io.TextIOBase | Any
) -> None:
    if fmt == "json":
        json.dump({**header, "rows": rows}, out, indent=2, allow_nan=False)
        out.write("\n")
        return
    columns = list(rows[0]) if rows else list(COLUMNS)
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_fmt(row[c]) for c in columns])
        return
    for key, value in header.items():
        if isinstance(value, list):
            for item in value:
                out.write(f"# {key}: {item}\n")
        else:
            out.write(f"# {key}: {value}\n")
    out.write("  ".join(f"{c:>24}" for c in columns) + "\n")
    for row in rows:
        out.write(
            "  ".join(f"{'-' if row[c] is None else format(row[c], '.4g'):>24}" for c in columns) + "\n"
        )


def _cmd_models(args: argparse.Namespace) -> int:
    if args.format == "json":
        json.dump([_model_json(m) for m in MODELS.values()], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for m in MODELS.values():
            unverified = [k for k, p in m.params.items() if not p.verified]
            flag = f"  [unverified: {', '.join(unverified)}]" if unverified else ""
            if m.variability is not None and not m.variability.verified:
                flag += "  [variability unverified]"
            if not m.validity.verified:
                flag += "  [validity range not from the paper]"
            print(f"{m.id:18} {m.analyte:17} {', '.join(m.routes):38} {m.population}{flag}")
    return 0


def _header(
    model: Model, effect_site: str, regimen: Regimen, warnings: list[str], notes: list[str]
) -> dict[str, Any]:
    return {
        "model": model.id,
        "model_title": model.title,
        "analyte": model.analyte,
        "sampling": model.sampling,
        "effect_site": effect_site,
        "regimen": regimen.describe(),
        "warnings": warnings,
        "notes": notes,
    }


def _cmd_simulate(args: argparse.Namespace) -> int:
    model, patient, regimen, notes, params = _build_request(args)
    if args.times_min:
        try:
            times = np.array(sorted(float(x) for x in args.times_min.split(",") if x.strip()))
        except ValueError:
            raise UsageError(f"cannot read --times-min {args.times_min!r}; write e.g. 10,20,40") from None
        if times.size == 0 or not np.all(np.isfinite(times)) or times[0] < 0:
            raise UsageError("--times-min must be non-negative minutes")
        plot_path = None
    else:
        end = _hours(args, regimen) * 60.0
        times = np.union1d(np.arange(0.0, min(end, 180.0) + 1e-9, 5.0), np.arange(180.0, end + 1e-9, 60.0))
        times = times[times <= end + 1e-9]
        plot_path = Path(args.plot or f"ketacare-pk-{model.id}.svg")
    sim = simulate(model, patient, regimen, times, effect_site=args.effect_site, params=params)
    header = _header(model, sim.effect_site, regimen, sim.warnings, notes)
    _emit_rows(sim.rows(), header, args.format, sys.stdout)
    if plot_path is not None:
        fine = np.linspace(0.0, times[-1], 721)
        curve = simulate(model, patient, regimen, fine, effect_site=args.effect_site, params=params)
        plot_path.write_text(course_svg(model, regimen, fine, curve))
        print(f"plot written to {plot_path.resolve()}", file=sys.stderr)
    return 0


def _progress(done: int, total: int) -> None:
    width = 30
    filled = int(width * done / total)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} patients")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _cmd_population(args: argparse.Namespace) -> int:
    model, patient, regimen, notes, params = _build_request(args)
    if not 1 <= args.n <= MAX_SUBJECTS:
        raise UsageError(f"--n must be between 1 and {MAX_SUBJECTS}")
    if not math.isfinite(args.step_min) or args.step_min <= 0:
        raise UsageError("--step-min must be positive")
    end = _hours(args, regimen) * 60.0
    times = np.arange(0.0, end + 1e-9, args.step_min)
    etas = sample_etas(model, args.n, args.seed)
    show = sys.stderr.isatty()
    chunk = 1000
    parts: dict[str, list[np.ndarray]] = {c: [] for c in COLUMNS[1:]}
    warnings: list[str] = []
    effect_site = ""
    for start in range(0, args.n, chunk):
        stop = min(args.n, start + chunk)
        sub = {k: v[start:stop] for k, v in etas.items()}
        sim = simulate(
            model,
            patient,
            regimen,
            times,
            n=stop - start,
            etas=sub,
            effect_site=args.effect_site,
            params=params,
        )
        effect_site, warnings = sim.effect_site, sim.warnings
        parts["ketamine_plasma_ng_ml"].append(sim.ketamine_plasma_ng_ml)
        parts["ketamine_effect_ng_ml"].append(sim.ketamine_effect_ng_ml)
        if sim.norketamine_plasma_ng_ml is not None:
            parts["norketamine_plasma_ng_ml"].append(sim.norketamine_plasma_ng_ml)
        parts["nmda_occupancy"].append(sim.nmda_occupancy)
        if show:
            _progress(stop, args.n)
    if model.variability is None:
        warnings = [
            *warnings,
            f"{model.id} has no published between-subject variability: percentiles coincide",
        ]
    levels = (5, 50, 95)
    stats: dict[str, np.ndarray | None] = {}
    for column, arrays in parts.items():
        stats[column] = np.percentile(np.concatenate(arrays), levels, axis=0) if arrays else None
    rows = []
    for j, t in enumerate(times):
        row: dict[str, Any] = {"time_min": float(t)}
        for column in COLUMNS[1:]:
            values = stats[column]
            for i, level in enumerate(levels):
                row[f"{column}_p{level}"] = None if values is None else tidy(values[i, j])
        rows.append(row)
    header = _header(model, effect_site, regimen, warnings, notes)
    header.update({"n": args.n, "seed": args.seed, "percentiles": list(levels)})
    _emit_rows(rows, header, args.format, sys.stdout)
    return 0


def _cmd_timeline(args: argparse.Namespace) -> int:
    model, patient, regimen, notes, params = _build_request(args)
    if not 1 <= args.n <= MAX_SUBJECTS:
        raise UsageError(f"--n must be between 1 and {MAX_SUBJECTS}")
    result = timeline(
        model,
        patient,
        regimen,
        hours=_hours(args, regimen),
        n=args.n,
        seed=args.seed,
        effect_site=args.effect_site,
        params=params,
    )
    result.notes = notes + result.notes
    if args.format == "json":
        json.dump(result.as_dict(), sys.stdout, indent=2, default=lambda v: None)
        sys.stdout.write("\n")
    elif args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["quantity", "typical", "p5", "p50", "p95"])
        for key, value in vars(result.typical).items():
            p = result.percentiles.get(key, {})
            writer.writerow([key, _fmt(value), _fmt(p.get("p5")), _fmt(p.get("p50")), _fmt(p.get("p95"))])
    else:
        print(result.summary())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``ketacare pk``; returns the exit status."""
    parser = _parser()
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0] in {"-h", "--help", "help"}:
        parser.print_help()
        return 0
    try:
        args = parser.parse_args(args_list)
        handler = {
            "models": _cmd_models,
            "simulate": _cmd_simulate,
            "population": _cmd_population,
            "timeline": _cmd_timeline,
        }[args.command]
        return handler(args)
    except (UsageError, DoseError, SimulationError, RequestError) as exc:
        print(f"ketacare pk: error: {exc}", file=sys.stderr)
        return 2
    except KeyError as exc:
        print(f"ketacare pk: error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader (e.g. `| head`) stopped early: that is not an error for us.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as exc:
        print(f"ketacare pk: error: {exc}", file=sys.stderr)
        return 2
