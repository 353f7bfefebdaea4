"""Login sessions of the portal (citizens) and of FAB's pages (staff), kept on the server so that a logout ends
them: the session cookie is signed but not secret, and a copy of it would otherwise stay valid after logout."""
