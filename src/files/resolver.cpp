// Placeholder: replaced by the file resolver.
