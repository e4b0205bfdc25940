"""A fake of every social platform's API, on loopback only, for the local run and the tests."""
