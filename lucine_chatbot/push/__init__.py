"""Web Push for operators: device subscriptions, the hooks use cases call, who gets which alert, VAPID, delivery."""
