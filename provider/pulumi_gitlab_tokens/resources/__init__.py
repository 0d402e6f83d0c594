"""The resource classes a Pulumi program declares, one module per family of kinds."""
