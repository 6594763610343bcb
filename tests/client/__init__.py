"""Tests of adapter.client (and adapter.exchange) against fakes for faults and a real HAPI server."""
