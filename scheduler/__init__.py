"""Staffing and rostering: requirement from forecast, CP-SAT roster, validator."""
