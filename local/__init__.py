"""Local-mode support for Corral: an in-process AWS emulator built on moto.

Never shipped to Lambda; only used by local mode and the test-suite.
"""
