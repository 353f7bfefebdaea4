"""Open311 GeoReport v2: the catalogue as services and grievances as service requests, for partner apps."""
