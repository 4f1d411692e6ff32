"""``python -m ingot`` and the ``ingot`` console script: the command line for exported files
(``ingot inspect|validate|run|bench|verify|dot|view|diff FILE``; ``ingot --help``, ``ingot --version``),
and ``--cmake-dir``, the folder of the C++ package for ``cmake -Dingot_DIR=...`` (as ``python -m mlx``)."""

import sys


def main(argv=None) -> int:
    """Runs the command line with ``argv`` (default: ``sys.argv[1:]``); returns its exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--cmake-dir"]:
        from . import cmake_dir

        try:
            print(cmake_dir())
        except RuntimeError as e:
            print(e, file=sys.stderr)
            return 1
        return 0
    from ._core import _cli_main

    return _cli_main(["ingot"] + argv)


if __name__ == "__main__":
    sys.exit(main())
