"""Usage: instance-minutes of clusters and notebook nodes, from their service periods into an
hourly ledger, and reported hourly to AWS Marketplace."""
