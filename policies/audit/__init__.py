"""What ``heedful audit`` and ``heedful diff`` find in what a site publishes."""
