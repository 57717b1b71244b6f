"""Staff accounts, roles, sessions, CSRF protection and the `require_role` guard."""
