"""What GitLab accepts and the pure decisions: scopes and levels, input parsing, rotation, the ownership mark."""
