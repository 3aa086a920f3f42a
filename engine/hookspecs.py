"""The plugin contract. Every hook localpay calls is specified here; these docstrings are the
reference documentation for plugin authors (``from localpay import hookimpl``).

A plugin is a module (or object) with functions named after these hooks, decorated with
``@hookimpl``. Implementations take only the arguments they need. Install a plugin in a
package that declares an entry point in the ``localpay`` group::

    [project.entry-points.localpay]
    my_scheme = "my_scheme_package.plugin"
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("localpay")
hookimpl = pluggy.HookimplMarker("localpay")


@hookspec
def localpay_payment_options():
    """Declare payment options.

    :return: a list of :class:`localpay.PaymentOption`: each with a ``name`` (the value of
        ``option:`` in a ruleset), a pydantic ``parameters`` model subclassing
        :class:`localpay.Arrangement`, and the functions that ``price`` episodes, ``settle`` at
        contract level and ``describe`` the option for the contract schedule.

    Two plugins declaring the same name is an error: the core refuses to run rather than pick
    one. The built-in options (``cluster``) are declared through this same hook.

    Example::

        @hookimpl
        def localpay_payment_options():
            return [PaymentOption(name="flat_fee", summary="A fixed monthly fee",
                                  parameters=FlatFee, price=None, settle=settle_flat_fee,
                                  describe=describe_flat_fee)]
    """


@hookspec
def localpay_episode_checks(ruleset):
    """Add checks on episode rows, run after the input is parsed and before anything is priced.

    :param ruleset: the loaded :class:`localpay.Ruleset` (its parties, period and settings).
    :return: a list of :class:`localpay.RowCheck`: each a reason code, the column it concerns,
        a Polars boolean expression ``bad`` over the parsed episodes, and a text expression
        ``reason`` saying what was expected and what was found.

    A row marked bad by any check is reported in ``exceptions.csv`` with its row number and
    reason, and is not priced; the run goes on with the rest. The built-in checks (missing
    values, unknown clusters, unparseable dates, end before start, parties) are declared
    through this same hook by ``localpay.default_checks``.

    Example::

        @hookimpl
        def localpay_episode_checks(ruleset):
            return [RowCheck("no_service", "service", pl.col("service").is_null(),
                             pl.lit("service is required in this area"))]
    """
