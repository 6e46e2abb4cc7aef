"""The steps of the year-end close, in the order of docs/year-end.md#the-order-of-the-rules.

Each step is a pure function from typed inputs to a frozen result;
:func:`pooledledger.yearend.close.close_year` runs them one after another.  First
:func:`~.period.close_period` and :func:`~.period.close_context`: the period closed
(the part year on termination) and the terms of the close.  Then:

1. :func:`~.variance.scheme_funding` and :func:`~.variance.scheme_variances`: each
   scheme's variance, its rule inputs and the judgements' charges;
2. :func:`~.offsetting.offset_underspends`: offsetting (RS8);
3. :func:`~.risk_pool.apply_risk_pool`: the risk pool (RS7);
4. :func:`~.risk_share.share_residuals`: each scheme's rule on what is left;
5. :func:`~.underspend.dispose_underspends`: the underspend dispositions;
6. :func:`~.underspend.carried_forward`: what is brought forward, the unused risk
   pool included;
7. :func:`~.shares.share_schemes`: shares of net, income and gross;
8. :func:`~.settlement.settle_partners`: balances and settlement;

and last :func:`~.journals.year_end_journals` and :func:`~.journals.close_entries`: the
year-end journals and the entries to post (docs/year-end.md#where-each-step-lives).
"""
