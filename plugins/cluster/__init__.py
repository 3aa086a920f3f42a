"""Cluster-based payments: a local price for each care cluster, per day, per review period or
per episode, with optional inpatient bed-day and initial-assessment prices, a rule for days past
the maximum review period, and an activity plan to compare against."""

from __future__ import annotations

from localpay.plugin import PaymentOption, hookimpl

from .checks import check
from .plan import activity, plan_rows, planned
from .pricing import price_cluster
from .schedule import describe, validation
from .terms import ClusterArrangement


@hookimpl
def localpay_payment_options():
    return [PaymentOption(
        name="cluster",
        summary="A local price per care cluster: per day, per review period or per episode",
        parameters=ClusterArrangement,
        price=price_cluster,
        describe=describe,
        activity=activity,
        check=check,
        planned=planned,
        plan_rows=plan_rows,
        validation=validation,
        timing=lambda arrangement, ruleset: (
            "Paid monthly in arrears: each month's statement prices the month's activity from the data for it."),
    )]
