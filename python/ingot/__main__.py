"""``python -m ingot`` and the ``ingot`` console script: the command line for exported files
(``ingot inspect|validate|run|bench|verify|dot|view|diff FILE``; ``ingot --help``)."""

import sys


def main(argv=None) -> int:
    """Runs the command line with ``argv`` (default: ``sys.argv[1:]``); returns its exit status."""
    from ._core import _cli_main

    return _cli_main(["ingot"] + list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
