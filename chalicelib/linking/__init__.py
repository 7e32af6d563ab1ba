"""Linking a customer's AWS account: the cross-account role with the organization's External
ID, its verification, "create role for me", the policy the role needs, the SDK's cloud
configs and Settings. Public surface for other concepts: links (link_for, the Link a step
acts through) and health (LinkFailed, on_failure: drop a cache of a link that failed)."""
