"""Example stand-in for MLSpace's Lambda package.

A real deployment ships MLSpace's own backend/src; this tiny package only lets the example
synthesize and publish a code asset of the right shape.
"""
