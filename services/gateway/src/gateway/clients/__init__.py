"""The clients wing: the client registry (models, store, the Registry that validates, seals
and publishes), the demo clients of dev mode, the wiring of session views and registry
republishing, and the /api/v1/clients routes with their portfolio views."""
