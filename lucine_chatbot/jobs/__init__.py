"""Background work: job functions (small, id-taking, idempotent) and the dispatcher that runs them."""
