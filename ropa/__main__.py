"""Entry point for ``python -m ropa``."""

from ropa.cli import main

raise SystemExit(main())
