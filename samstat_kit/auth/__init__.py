"""API tokens: issued per agency (or admin), stored hashed, with expiry and revocation."""
