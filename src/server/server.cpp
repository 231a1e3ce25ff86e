// Placeholder: replaced by the server.
