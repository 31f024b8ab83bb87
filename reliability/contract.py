"""docs/api-schema.json: validators for answers, and the request schemas the fuzzer draws from."""

import json

import jsonschema
import referencing

BODY_LIMIT = 2 * 1024 * 1024


class Contract:
    def __init__(self, path):
        with open(path, encoding="utf-8") as stream:
            self.document = json.load(stream)
        resource = referencing.Resource.from_contents(self.document)
        self._registry = referencing.Registry().with_resource(self.document["$id"], resource)
        self._validators = {}

    @property
    def routes(self):
        return sorted(self.document["methods"])

    @property
    def http_status_by_code(self):
        return self.document["$defs"]["Error"]["x-http-status"]

    def resolve(self, schema):
        """A schema with its top-level local $ref followed."""
        while "$ref" in schema:
            pointer = schema["$ref"].split("#", 1)[1]
            node = self.document
            for part in pointer.strip("/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            schema = node
        return schema

    def request_schema(self, route):
        return self.resolve(self.document["methods"][route]["request"])

    def _validator(self, pointer):
        if pointer not in self._validators:
            schema = {"$ref": "%s#%s" % (self.document["$id"], pointer)}
            self._validators[pointer] = jsonschema.Draft202012Validator(schema, registry=self._registry)
        return self._validators[pointer]

    @staticmethod
    def _method_pointer(route, part):
        return "/methods/%s/%s" % (route.replace("~", "~0").replace("/", "~1"), part)

    def problems(self, route, status, body, retry_after=None):
        """What is wrong with an answer (empty when it is what the contract allows).

        route is None for a path that is no puddle.v2 method (only the error form is checked).
        """
        if not isinstance(body, dict):
            return ["the body is not a JSON object"]
        if status == 200:
            if route is None:
                return ["200 for an unknown route"]
            return [error.message for error in self._validator(self._method_pointer(route, "response")).iter_errors(body)]
        found = [error.message for error in self._validator("/$defs/Error").iter_errors(body)]
        if found:
            return found
        expected = self.http_status_by_code[body["code"]]
        if status == 413:
            if (body["code"], body["meta"].get("field"), body["meta"].get("rule")) != ("invalid_argument", "body", "max_size"):
                found.append("413 that is not the body size limit")
        elif status != expected:
            found.append("HTTP %d for code %s (contract: %d)" % (status, body["code"], expected))
        if body["code"] == "resource_exhausted" and retry_after != body["meta"].get("retry_after"):
            found.append("Retry-After %r differs from meta.retry_after %r" % (retry_after, body["meta"].get("retry_after")))
        return found
