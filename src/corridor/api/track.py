"""API mixin: Strategy results frameworks, scored."""

from __future__ import annotations


class TrackMixin:
    """Strategy results frameworks, scored. (methods are added by this area's issue)."""
