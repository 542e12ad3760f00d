"""Serving simulation (``llmaccel serve``): requests arriving over time on one hardware preset.

Entities (:mod:`.arrivals`, :mod:`.kv_cache`), policy (:mod:`.scheduler`), iteration costs from
the cycle models (:mod:`.costs`), the event loop (:mod:`.engine`) and metrics (:mod:`.metrics`)
are kept apart, as in Vidur.  See docs/serving.md.
"""
