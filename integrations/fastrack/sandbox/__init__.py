"""FAStrack sandbox: a separate process that plays the client's order system (FAStrack by Assurant).

Standard library only. Run it with ``python -m integrations.fastrack.sandbox --port 0 --data DIR``; drive it
from tests with ``integrations.fastrack.sandbox.testing.Sandbox``. See DESIGN.md §6.
"""
