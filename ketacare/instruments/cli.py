"""`ketacare instruments list|show|score`.

Input errors (unknown id, wrong answer count, an impossible or missing answer) print one line on
stderr and exit 2; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import get_instrument, list_instruments, score
from .errors import InstrumentError
from .model import Instrument, ScoreResult
from .serialize import instrument_to_dict, summary_to_dict

EXIT_INPUT_ERROR = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse would print the whole usage; one line is enough for scripts.
        raise _UsageError(message)


class _UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ketacare instruments", description="Questionnaires: list, show, score.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p_list = sub.add_parser("list", help="list instruments")
    p_list.add_argument("--format", choices=("text", "json"), default="text")

    p_show = sub.add_parser("show", help="show an instrument's full definition")
    p_show.add_argument("id")
    p_show.add_argument("--format", choices=("text", "json"), default="text")

    p_score = sub.add_parser(
        "score",
        help="score answers",
        description=(
            "Each answer is the 0-based position of the chosen option in display order (see "
            "`show`); for numeric items (craving-vas, readiness-ruler) it is the value itself. "
            "Leave an answer empty (e.g. 0,,1) for an item skipped by the instrument's skip logic."
        ),
    )
    p_score.add_argument("id")
    p_score.add_argument("--answers", required=True, help="comma-separated, e.g. 0,3,1,2")
    p_score.add_argument("--sex", choices=("female", "male"), help="where cut-offs differ by sex")
    p_score.add_argument(
        "--threshold",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a configurable cut-off (see `show`), repeatable",
    )
    p_score.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def parse_answers(text: str) -> list[int | None]:
    answers: list[int | None] = []
    for position, raw in enumerate(text.split(","), start=1):
        raw = raw.strip()
        if raw == "":
            answers.append(None)
            continue
        try:
            answers.append(int(raw))
        except ValueError:
            raise InstrumentError(f"answer {position} is not an integer: {raw!r}") from None
    return answers


def parse_thresholds(pairs: list[str]) -> dict[str, int]:
    result: dict[str, int] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        try:
            if not sep:
                raise ValueError
            result[key.strip()] = int(value)
        except ValueError:
            raise InstrumentError(f"--threshold must be KEY=INTEGER, got {pair!r}") from None
    return result


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def _list_text(instruments: list[Instrument]) -> str:
    lines = []
    for ins in instruments:
        permission = "  [needs clinic permission]" if ins.licence.requires_permission else ""
        lines.append(f"{ins.id:<18} {ins.name} ({len(ins.items)} items){permission}")
    return "\n".join(lines)


def _show_text(ins: Instrument) -> str:
    data = instrument_to_dict(ins)
    lines = [
        f"{ins.abbreviation}: {ins.name}",
        f"Measures: {ins.measures}",
        f"Recall: {ins.recall_period}    Administration: {ins.administration.value}",
        f"Licence: {ins.licence.kind.value}"
        + (" (requires clinic permission)" if ins.licence.requires_permission else "")
        + ("" if ins.licence.verified else " (terms not verified)"),
        f"  {ins.licence.attribution}",
    ]
    if data["total_range"]:
        lines.append(f"Total range: {data['total_range'][0]}-{data['total_range'][1]}")
    lines.append("")
    for item in data["items"]:
        marker = " (paraphrase)" if item["paraphrase"] else ""
        lines.append(f"{item['position']}. [{item['label']}] {item['text']}{marker}")
        if item["type"] == "numeric":
            lines.append(f"     value {item['minimum']}-{item['maximum']} {item.get('unit') or ''}".rstrip())
        else:
            for option in item["options"]:
                lines.append(f"     {option['position']}: {option['label']} (score {option['score']})")
        if "asked_if" in item:
            cond = item["asked_if"]
            lines.append(f"     asked only if item {cond['item']} scores {cond['scores']}")
    bands = data["bands"] or data.get("bands_by_sex", {}).get("unspecified", [])
    if bands:
        lines.append("")
        lines.append(f"Bands ({ins.bands_source}):")
        for band in bands:
            span = f"{band['low']}-{band['high']}" if band["low"] is not None else ""
            lines.append(f"  {span:<7} {band['label']}")
    for threshold in data["thresholds"]:
        lines.append(f"Threshold {threshold['key']} = {threshold['default']} ({threshold['source']})")
    return "\n".join(lines)


def _score_text(result: ScoreResult) -> str:
    lines = [f"instrument: {result.instrument_id}"]
    if result.total is not None and result.total_range:
        lines.append(f"total: {result.total} (range {result.total_range[0]}-{result.total_range[1]})")
    if result.band:
        lines.append(f"band: {result.band.label}")
    for sub in result.subscales:
        lines.append(f"{sub.key}: {sub.score} (range {sub.minimum}-{sub.maximum})")
    for flag in result.flags:
        lines.append(f"FLAG {flag.code} [{flag.severity.value}]: {flag.message}")
    if not result.flags:
        lines.append("flags: none")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.command == "list":
            instruments = list_instruments()
            if args.format == "json":
                print(_dump([summary_to_dict(i) for i in instruments]))
            else:
                print(_list_text(instruments))
        elif args.command == "show":
            instrument = get_instrument(args.id)
            print(_dump(instrument_to_dict(instrument)) if args.format == "json" else _show_text(instrument))
        else:
            result = score(
                args.id,
                parse_answers(args.answers),
                sex=args.sex,
                thresholds=parse_thresholds(args.threshold),
            )
            print(_dump(result.to_dict()) if args.format == "json" else _score_text(result))
    except (InstrumentError, _UsageError) as error:
        print(f"ketacare instruments: error: {error}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
