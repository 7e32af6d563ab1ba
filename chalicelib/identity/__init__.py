"""Identity: organizations, users (sign-up through the AWS Marketplace, activation, sign-in),
API clients and the tokens the SDK gets for them, sessions, who is calling, and the email the
platform sends.

Public surface for other concepts: organizations (the record and its link fields), clients,
caller (who is calling), page_access (pages for signed-in users)."""
