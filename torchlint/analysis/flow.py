"""Placeholder: the value-flow interpreter is being written."""
from dataclasses import dataclass, field

@dataclass
class ModuleFacts:
    module: object
    loss_calls: list = field(default_factory=list)
    activations: list = field(default_factory=list)

def analyze_module(module):
    return ModuleFacts(module)
