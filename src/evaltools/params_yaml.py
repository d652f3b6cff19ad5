"""The YAML dialect of params files: safe, no duplicated keys, and codes such as 0350 kept as text.

PyYAML follows YAML 1.1, where ``0350`` is the octal number 232 and the last of two equal keys
silently wins. A kommune code with a leading zero and a key given twice are both things a user
writes by accident, so this loader keeps the first as the string ``"0350"`` and refuses the second.
"""

from __future__ import annotations

import re

import yaml

_LEADING_ZERO = re.compile(r"^[-+]?0[0-9_]+$")


class DuplicateKeyError(yaml.YAMLError):
    """A mapping names one key twice; ``path`` is the dotted key, ``lines`` are 1-based."""

    def __init__(self, path: str, lines: tuple[int, int]):
        super().__init__(f"{path} given twice (lines {lines[0]} and {lines[1]})")
        self.path, self.lines = path, lines


class ParamsLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` without octal integers and without duplicated keys."""

    def construct_yaml_int(self, node):
        text = self.construct_scalar(node)
        if _LEADING_ZERO.match(text):  # 0350 is a kommune code, not octal 232
            return text
        return super().construct_yaml_int(node)

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise DuplicateKeyError(self._dotted(node, key), (seen[key], line))
            seen[key] = line
        return super().construct_mapping(node, deep=deep)

    def _dotted(self, node, key) -> str:
        """'claim.text' for a key inside the top-level 'claim' block."""
        parent = getattr(self, "_parents", {}).get(id(node))
        return f"{parent}.{key}" if parent else str(key)

    def construct_document(self, node):
        # remember which top-level key each nested mapping hangs under, for the message
        self._parents = {}
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(value_node, yaml.MappingNode) and isinstance(key_node, yaml.ScalarNode):
                    self._parents[id(value_node)] = key_node.value
        return super().construct_document(node)


ParamsLoader.add_constructor("tag:yaml.org,2002:int", ParamsLoader.construct_yaml_int)


def load_yaml(text: str):
    """Parse a params file's text (raises ``yaml.YAMLError``, incl. ``DuplicateKeyError``)."""
    return yaml.load(text, Loader=ParamsLoader)  # noqa: S506 - a SafeLoader subclass
