"""CrowdCare core library: domain models, triage rules and AWS adapters (the Lambda layer)."""
