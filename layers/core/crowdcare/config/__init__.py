"""Configuration: settings, the boto3 client factory and the wiring that builds every service."""
