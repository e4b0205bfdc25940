"""Services against the in-memory fakes of their ports (crowdcare.testing): no AWS, no moto."""
