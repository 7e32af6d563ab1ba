"""The organization network: one aggregate per (organization, region) holding what the
organization's clusters share there (VPC, subnets, gateways, route tables, node security
group, EFS, bucket, node role and instance profile, secrets prefix), created when a workspace
first needs the region and removed only by the region's cleanup. Public surface for other
concepts: commands, and the machine's types (machine.network gives the shared network dict)."""
