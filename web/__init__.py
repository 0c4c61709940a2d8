"""What both doors (the JSON API and the console) share: the unit of work, the error mapper,
the rate limits and the downloads. Domains never import this package."""
