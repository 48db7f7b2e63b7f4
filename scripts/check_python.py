"""Stop early, with a clear message, when the interpreter is older than the project needs."""

import sys

if sys.version_info < (3, 11):
    sys.exit(
        f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}. "
        "Run `make PYTHON=python3.11 run`."
    )
