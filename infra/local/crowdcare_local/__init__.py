"""CrowdCare on one machine: the embedded AWS emulator, the local API server, the CLI."""
