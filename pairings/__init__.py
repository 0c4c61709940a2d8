"""一带三/一带五 pairings, monthly heart-to-heart talks, and the member points ledger."""
