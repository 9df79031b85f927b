"""Risk acceptances: an officer's audited decision to live with a finding for a while (a record kind)."""
