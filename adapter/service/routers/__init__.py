"""One router per area of the service; :mod:`adapter.service.main` assembles them."""
