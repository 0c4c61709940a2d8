"""群众微心愿 micro-wishes: the claim-and-fulfil lifecycle."""
