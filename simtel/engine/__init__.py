"""SimPy processes of calls, legs, conferences, trunks and recordings."""
