"""Settings for every pytest suite under tests/ (not for bench/, whose
figures are a real box's)."""
import os

# Staff and office passwords made by the programs the suites start are
# hashed at libsodium's smallest Argon2id limits (PB_PASSWORD_COST,
# firmware/lib/pb_password.h): at the production cost, 3 passes over
# 16 MiB, the suites' hundreds of accounts and thousands of logins took
# minutes of processor. tests/system/test_password_cost.py makes its box
# without it, as a real one is made; PB_PASSWORD_COST=production runs the
# suites at the production cost.
os.environ.setdefault("PB_PASSWORD_COST", "test")
