from .engine import fit
from .models import build_model

__all__ = ["build_model", "fit"]
