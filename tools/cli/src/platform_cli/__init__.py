"""`platform`: the operator CLI. It speaks only the gateway's public REST API, so it works
against any deployment a user can sign in to, and imports nothing from the services."""
