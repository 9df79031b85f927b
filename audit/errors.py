"""The single error type raised when anything in the audit log fails to verify."""

from __future__ import annotations


class VerificationError(Exception):
    """A proof, signature, hash or sequence check failed; `seq` names the leaf when one is to blame."""

    def __init__(self, reason: str, seq: int | None = None) -> None:
        self.reason = reason
        self.seq = seq
        super().__init__(f"seq {seq}: {reason}" if seq is not None else reason)
