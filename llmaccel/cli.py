"""``llmaccel`` entry point: discovers sub-commands and turns bad input into exit 2.

Bad input (an :class:`~workloads.errors.InputError`) prints one line
``llmaccel: error: <field>: <problem>`` on stderr and exits with status 2; no
traceback.  Outputs are written atomically by the commands, so a failed run
leaves earlier files intact.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import NoReturn

from llmaccel import __version__, commands
from llmaccel.workloads.errors import InputError


def one_line(text: str) -> str:
    """``text`` with every non-printable character (newlines, control codes) escaped, so an error
    quoting user input stays exactly one line."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's own usage errors: one line, exit 2
        self.exit(2, f"{self.prog}: error: {one_line(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="llmaccel", description="Simulators and RTL for quantized-LLM accelerators.")
    parser.add_argument("--version", action="version", version=f"llmaccel {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        mod = importlib.import_module(f"{commands.__name__}.{info.name}")
        if hasattr(mod, "register"):
            mod.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except InputError as e:
        print(f"llmaccel: error: {one_line(str(e))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("llmaccel: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
