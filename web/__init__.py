"""Vuoro's web app: coordinators, agents and clients."""
