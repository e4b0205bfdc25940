"""Services: one module per use case; each depends on ports, never on config or concrete clients."""
