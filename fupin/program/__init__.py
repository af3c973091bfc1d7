"""The program assembled from the apps: the `fupin` commands' dispatch (`commands.py`), `fupin init`
(`setup.py`), `fupin demo` (`demo.py`, with its synthetic county `synthetic/`), `fupin backup` and
`fupin restore` (`backup.py`), and the production server (`server.py`).

Everything here may import every app; no app and nothing in `fupin/core/` imports from here.
"""
