"""Domain: the models every part of CrowdCare shares and the messages functions exchange."""
