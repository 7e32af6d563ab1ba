"""Corral's library: everything the Lambda functions import lives under this package."""
