"""DynamoDB through PynamoDB: the event store, the projection rows GETs read, the work queue."""
