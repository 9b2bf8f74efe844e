"""Enrichment and threat intelligence: what Metron adds to a parsed message.

- ``config``: Metron's sensor enrichment config (``enrichments/<sensor>.json``).
- ``stellar_adapter``: the ``stellar`` enrichment and threat-intel adapter.
- ``triage``: threat-triage rules and aggregators (``threat.triage.*``).
- ``lookup``: the lookup store behind ``hbaseEnrichment``, ``hbaseThreatIntel`` and
  ``ENRICHMENT_GET``/``ENRICHMENT_EXISTS``.
- ``geo``: GeoIP City and ASN databases (``GEO_GET``, ``ASN_GET``).
- ``host``: the known-hosts (``host``) enrichment adapter.
- ``extractors``, ``flatfile``: Metron's flatfile loader (``metron load flatfile``).
- ``stix``: the STIX 2.1 threat-intel loader (indicators of STIX bundles).
"""

from __future__ import annotations

__all__: list[str] = []
