"""The stores behind the store-backed Stellar functions, opened from the configuration.

``ENRICHMENT_GET``/``ENRICHMENT_EXISTS`` read the lookup store in the data directory;
``GEO_GET``/``ASN_GET`` read the databases the global config names (``geo.hdfs.file``,
``asn.hdfs.file``) or, without those keys, the ones ``metron load geo``/``asn`` installed in
the data directory.  Every command that evaluates Stellar (``metron enrich``, ``metron
stellar eval``/``shell``) opens them the same way, here.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from metron.enrichment.geo import services_from_config
from metron.enrichment.lookup import EnrichmentService, SqliteLookup, default_lookup_path

__all__ = ["open_services"]


def open_services(
    stack: ExitStack, global_config: Mapping[str, Any], data_dir: Path
) -> tuple[dict[str, Any], SqliteLookup | None]:
    """The Stellar services (``enrichment``, ``geo``, ``asn``: those that are available) and
    the lookup store, if one exists in ``data_dir``; ``stack`` closes the store.  A store
    that does not exist yet is not created: its functions then say they are not
    configured."""
    store = None
    if default_lookup_path(data_dir).is_file():
        store = stack.enter_context(SqliteLookup.in_data_dir(data_dir))
    services = services_from_config(global_config, data_dir=data_dir)
    if store is not None:
        services["enrichment"] = EnrichmentService(store)
    return services, store
