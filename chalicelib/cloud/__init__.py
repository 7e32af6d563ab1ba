"""boto3 adapters: the only code that talks to AWS. Each call is idempotent: look up by name or
tag before creating, since EC2 ClientToken cannot be relied on."""
