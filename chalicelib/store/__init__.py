"""The platform's own storage: DynamoDB through PynamoDB (the event store and projection rows,
plain records), the SQS work queue, and the signing secret. Names no concept."""
