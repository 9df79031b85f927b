"""ropa: GDPR Article 30 records of processing activities with a verifiable audit log."""

__version__ = "0.1.0"
