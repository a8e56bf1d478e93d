"""Elastic SIP Trunking: trunks with capacity and CPS limits, trunk calls and their recording."""
