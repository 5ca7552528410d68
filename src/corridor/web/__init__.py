"""The web surface: `corridor serve` runs `create_app()`, a FastAPI app of pages and a JSON API.

Layout: app.py wires it; state.py holds the warehouse (reopened after a sync); api.py is
/api/v1; views/ has one module per page type over templates/ and static/; verbs.py builds the
analysis pages and endpoints from the Observatory's own method signatures.
"""

from corridor.web.app import create_app

__all__ = ["create_app"]
