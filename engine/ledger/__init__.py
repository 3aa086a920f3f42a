"""The ledger of issued statements: what was issued for each month, immutable and hash-chained,
and the prior-period adjustments later issues made to it, each with its cause.

``plan_issue`` checks that a month may be issued, ``prepare`` compares the earlier months as
issued with the same months recomputed on the data now given, ``write`` records it all in one
transaction; ``chain.verify`` proves nothing was altered; ``views`` answers ``localpay ledger``.
"""

from .plan import Plan, Request, plan_issue
from .store import LedgerError, Store

__all__ = ["LedgerError", "Plan", "Request", "Store", "plan_issue"]
