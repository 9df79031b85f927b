"""ropa: GDPR Article 30 records of processing activities with a verifiable audit log."""

import os

__version__ = "0.1.0"

# Piccolo finds its engine and apps through the module PICCOLO_CONF names: ropa's own, which an installed
# wheel holds, rather than a top-level piccolo_conf of whatever directory ropa was started from.
os.environ.setdefault("PICCOLO_CONF", "ropa.piccolo_conf")
