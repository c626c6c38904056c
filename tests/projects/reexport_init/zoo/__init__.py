from .heads import SigmoidHead as Head
from .heads import LinearHead

__all__ = ['Head', 'LinearHead']
