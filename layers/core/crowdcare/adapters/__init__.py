"""Adapters: the code that talks to DynamoDB, AWS services and the social platforms."""
