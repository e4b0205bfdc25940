"""Rules: pure decisions (triage, routing, availability, standings) importing nothing doing I/O."""
