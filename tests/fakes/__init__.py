"""Fakes of the services around the hotline, implementing just what its adapters use."""
