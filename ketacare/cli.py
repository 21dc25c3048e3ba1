"""The `ketacare` command.

Subcommands of the pure core (`pk`, `instruments`) run without Django, so they start fast and
work from a notebook's shell. Every other subcommand is a Django management command of the same
name (`serve`, `demo`, `audit`, `token`, ...), run with the project's settings.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

# Pure-core command groups: name -> "module:function" taking argv (without the group name) and
# returning an exit code. Imported lazily so that one group's dependencies never slow another.
CORE_COMMANDS: dict[str, str] = {
    "pk": "ketacare.pharmacology.cli:main",
    "instruments": "ketacare.instruments.cli:main",
    "dose-check": "ketacare.rules.cli:main",
}

# Commands that set Django up themselves (no management command of the same name).
SETUP_COMMANDS: dict[str, str] = {
    "backup": "ketacare.backup_cli:backup_main",
    "restore": "ketacare.backup_cli:restore_main",
}

USAGE = """usage: ketacare COMMAND [options]

Clinical record (Django):
  serve                 migrate, optionally load the demo clinic, and serve KetaCare
  demo                  build the synthetic demo clinic (seeded, repeatable)
  audit verify          check the audit trail's hash chain; non-zero exit on a break
  audit checkpoint      append a signed checkpoint of the audit chain and print it
  token create USER     print a new API token once (only its hash is stored)
  token list|revoke     list tokens, revoke one by id
  backup FILE           database, keys and audit checkpoints to one owner-only archive
  restore FILE          restore such an archive, then verify the audit chain
  manage ARGS...        any Django management command

Pure core (no database):
  pk ...                pharmacokinetics: models, simulate, population, timeline
  instruments ...       questionnaires: list, show, score
  dose-check ...        an order's dose checks (protocol, clinic limits, previous dose)

Run `ketacare COMMAND --help` for a command's options.
"""


def _load(target: str) -> Callable[[list[str]], int]:
    module_name, function_name = target.split(":")
    module = __import__(module_name, fromlist=[function_name])
    return getattr(module, function_name)  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE, end="")
        return 0
    command, rest = args[0], args[1:]
    if command in CORE_COMMANDS:
        return _load(CORE_COMMANDS[command])(rest)
    if command in SETUP_COMMANDS:
        return _load(SETUP_COMMANDS[command])(rest)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketacare.settings")
    from django.core.management import execute_from_command_line

    if command == "manage":
        execute_from_command_line(["ketacare", *rest])
    else:
        execute_from_command_line(["ketacare", command, *rest])
    return 0


if __name__ == "__main__":
    sys.exit(main())
