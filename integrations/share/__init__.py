"""Pruvan Share: a subcontracting vendor's account works orders handed to it by a primary vendor's account.

The primary issues a share key (``ShareLink``) and hands projects to it (``HandOver``); the subcontractor adds
an integration of kind ``share`` with the key, and ``ShareSource`` feeds the handed projects through the same
importer, refresh, auto-close and relay as any order source. Everything the source reads goes through
``selectors.py``, scoped to the one link.
"""
