"""Inbound platform adapters: webhook signatures and bodies, and the pollers' sources."""
