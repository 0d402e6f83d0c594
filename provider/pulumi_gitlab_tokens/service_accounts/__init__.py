"""Service accounts: users GitLab makes for machines, which hold tokens of their own."""
