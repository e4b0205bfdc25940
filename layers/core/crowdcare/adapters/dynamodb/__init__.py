"""DynamoDB adapters: one repository per table; each receives its client and table name."""
