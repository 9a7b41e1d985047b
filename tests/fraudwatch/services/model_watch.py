"""A running process that follows the model registry: `python -m tests.fraudwatch.services.model_watch
CONFIG_JSON` builds an app from the config and prints the version of the model a web request
would use (`ready_classifier`) each time it changes, until stdin closes or 120 s pass."""
from __future__ import annotations

import json
import select
import sys
import time

from fraudwatch import create_app
from fraudwatch.services import model_registry


def main() -> None:
    """Print `version <v>` lines as the process's model changes."""
    app = create_app(json.loads(sys.argv[1]))
    seen = None
    deadline = time.monotonic() + 120
    with app.app_context():
        while time.monotonic() < deadline:
            model = model_registry.ready_classifier()
            version = model.version if model is not None else None
            if version != seen:
                seen = version
                sys.stdout.write(f"version {version}\n")
                sys.stdout.flush()
            readable, _, _ = select.select([sys.stdin], [], [], 0.2)
            if readable and not sys.stdin.read(1):
                return


if __name__ == "__main__":
    main()
