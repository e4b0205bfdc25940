"""Platform adapters: clients that read mentions from and post replies to each social platform."""
