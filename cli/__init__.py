"""`corral`: the platform's command line. It talks to the platform only over its HTTP API, and
lives outside chalicelib/ so the Lambda package never carries it."""
