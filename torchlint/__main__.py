"""`python -m torchlint`: the same as the `torchlint` command."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
