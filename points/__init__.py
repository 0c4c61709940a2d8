"""The member points ledger (党员积分): awards from wishes and monthly talks, manual adjustments
by request and approval, totals per period. Wishes, pairings and votes use it; it uses none of
them."""
