// Placeholder: replaced by logging setup.
