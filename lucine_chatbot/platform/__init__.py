"""The platform every domain stands on: database helpers, Redis, job dispatch, errors, time, log redaction."""
