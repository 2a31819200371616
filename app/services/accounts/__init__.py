"""Accounts of the secretariat: invitations, sign-in, roles."""
