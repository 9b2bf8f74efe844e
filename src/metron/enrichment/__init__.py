"""Enrichment and threat intelligence: what Metron adds to a parsed message.

``metron.enrichment.lookup`` is the lookup store behind ``hbaseEnrichment``,
``hbaseThreatIntel`` and the ``ENRICHMENT_GET``/``ENRICHMENT_EXISTS`` Stellar functions;
``metron.enrichment.triage`` scores alerts with a sensor's threat-triage rules and writes
Metron's ``threat.triage.*`` fields.
"""

from __future__ import annotations

__all__: list[str] = []
