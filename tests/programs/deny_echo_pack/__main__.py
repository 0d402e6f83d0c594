from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


def deny_echo(args, report_violation):
    if args.resource_type == "pulumi-python:dynamic/demo:Echo":
        report_violation(f"Echo resources are not allowed here (message {args.props['message']!r}).")


PolicyPack(
    name="deny-echo",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        ResourceValidationPolicy(
            name="no-echo",
            description="Echo resources are forbidden.",
            validate=deny_echo,
        )
    ],
)
