"""六大员 public voting: campaigns, the Redis vote path, tallies, results, anti-brushing."""
