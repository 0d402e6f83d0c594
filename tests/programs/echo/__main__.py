"""A trivial dynamic resource with its own type token, defined in __main__ (pickled by value)."""

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, ResourceProvider


class EchoProvider(ResourceProvider):
    def create(self, props):
        return CreateResult(id_=f"echo-{props['message']}", outs={"message": props["message"]})

    def read(self, id_, props):
        return ReadResult(id_, {"message": props["message"]})


class Echo(Resource, module="demo", name="Echo"):
    message: pulumi.Output[str]

    def __init__(self, name: str, message: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__(EchoProvider(), name, {"message": message}, opts)


echo = Echo("hello", "hello-world")
pulumi.export("message", echo.message)
