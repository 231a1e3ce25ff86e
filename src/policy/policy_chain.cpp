// Placeholder: replaced by the policy chain.
