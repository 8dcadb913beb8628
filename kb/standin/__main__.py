"""``python -m kb.standin [options]`` is ``kb standin serve [options]``.

The command itself lives in ``cli.py`` (the only place kb prints); this just forwards to it
so the stand-in can be started where the ``kb`` script is not on PATH.
"""

import sys


def main() -> None:
    from cli import app

    app(args=["standin", "serve", *sys.argv[1:]], prog_name="python -m kb.standin")


if __name__ == "__main__":
    main()
