"""Enrichment and threat intelligence: what Metron adds to a parsed message.

``metron.enrichment.lookup`` is the lookup store behind ``hbaseEnrichment``,
``hbaseThreatIntel`` and the ``ENRICHMENT_GET``/``ENRICHMENT_EXISTS`` Stellar functions.
"""

from __future__ import annotations

__all__: list[str] = []
