"""HTTP routes, one blueprint per concept; app.py registers them all."""
