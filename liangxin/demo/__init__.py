"""The demo county (罗平县, calibrated to its published figures, with five years of history):
``load_demo`` writes it through the other apps' services; ``demo_logins`` and ``demo_totp`` print
its accounts. It imports every other app and no other app imports it (a test checks): the login
page and the password policy reach its accounts through ``core.demo_logins``.
See ``docs/demo-county.md``."""
