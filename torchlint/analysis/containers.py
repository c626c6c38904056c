"""Containers as training code builds them: lists appended to, dicts stored into, an
`nn.Sequential` filled with `add_module`, and the builtins that iterate them.

Values are immutable, so a mutation gives the container's new value, which the
interpreter binds again to the name or `self` attribute that holds it. What a
mutation does not keep track of (an `insert` at an unknown place, a `pop`)
keeps only what every item agrees on (`ListOf`), or forgets the container.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .values import (
    UNKNOWN,
    DictValue,
    Kind,
    ListOf,
    SequentialValue,
    StrValue,
    Tensor,
    TupleValue,
    Value,
    join,
    join_all,
    text_of,
)

if TYPE_CHECKING:  # pragma: no cover
    from .calls import Args

# Methods of lists, dicts and nn.Sequential/ModuleList that change the container in place.
MUTATORS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "popitem",
                      "sort", "reverse", "__setitem__", "__delitem__", "add_module"})
# Builtins whose result the engine knows for some arguments; none of them changes a container.
BUILTINS = frozenset({"enumerate", "zip", "list", "tuple", "reversed", "sorted", "iter", "dict", "getattr",
                      "setattr", "len", "print", "isinstance", "hasattr", "sum", "min", "max", "any", "all",
                      "range", "str", "int", "float", "bool", "repr", "type", "id", "vars", "callable", "format",
                      "round", "abs"})


def items_of(value: Value) -> tuple[Value, ...] | None:
    """The items a list, tuple or `ListOf` holds (one joined item for `ListOf`), or None."""
    if isinstance(value, TupleValue):
        return value.items
    if isinstance(value, ListOf):
        return (value.item,)
    return None


# A literal list longer than this is a data table (dataset metadata, category lists), not
# models or heads: what its items agree on is not worth computing.
MAX_JOINED_ITEMS = 32


def member(iterated: Value) -> tuple[Value, bool]:
    """What a `for` loop over `iterated` binds, and whether the loop certainly runs once."""
    if isinstance(iterated, TupleValue):
        if len(iterated.items) > MAX_JOINED_ITEMS:
            return UNKNOWN, True
        return join_all(list(iterated.items)), bool(iterated.items)
    if isinstance(iterated, ListOf):
        return iterated.item, False
    if isinstance(iterated, Tensor) and iterated.kind is not Kind.UNKNOWN:
        # Rows of a tensor: elementwise kinds stay; a softmax stays one if it ran over a later dim.
        rank = iterated.rank - 1 if iterated.rank is not None else None
        if iterated.kind not in (Kind.PROBS, Kind.LOG_PROBS):
            return iterated.derived(dim=None, rank=rank, last_size=None), False
        if iterated.dim is not None and iterated.dim != 0:
            dim = iterated.dim - 1 if iterated.dim > 0 else iterated.dim
            return iterated.derived(dim=dim, rank=rank), False
    return UNKNOWN, False




def mutated(container: Value, method: str, args: "Args") -> Value | None:
    """`container` after `container.method(...)`; None when it is no longer known."""
    if isinstance(container, SequentialValue):
        if method in ("append", "add_module") and not args.starred:
            layer = args.get(0, "module") if method == "append" else args.get(1, "module")
            # Known layers, or unknown first layers (filled in a loop): the new last layer is known.
            if layer is not None and UNKNOWN not in container.layers[1:]:
                return SequentialValue(container.layers + (layer,), container.site)
        return None
    if isinstance(container, (TupleValue, ListOf)):
        items = items_of(container) or ()
        if method == "append" and len(args.positional) == 1 and not args.starred:
            value = args.positional[0]
            if isinstance(container, TupleValue):
                return TupleValue(container.items + (value,))
            return ListOf(join(container.item, value))
        if method == "extend" and len(args.positional) == 1:
            more = items_of(args.positional[0])
            if more is None:
                return None
            if isinstance(container, TupleValue) and isinstance(args.positional[0], TupleValue):
                return TupleValue(container.items + more)
            return ListOf(join_all(list(items + more)))
        if method == "insert" and len(args.positional) == 2:
            return ListOf(join_all(list(items) + [args.positional[1]]))
        if method in ("pop", "remove", "sort", "reverse", "__delitem__"):
            return ListOf(join_all(list(items))) if items else container
        if method == "clear":
            return TupleValue(())
        return None
    if isinstance(container, DictValue):
        if method == "update" and not args.starred:
            result = container
            if args.positional:
                other = args.positional[0]
                if not isinstance(other, DictValue):
                    return None
                for key, value in other.items:
                    result = result.with_item(key, value)
                if other.rest is not None:
                    result = result.with_rest(other.rest)
            for key, value in args.keywords.items():
                result = result.with_item(key, value)
            return result
        if method == "setdefault" and len(args.positional) == 2:
            key = text_of(args.positional[0])
            if key is None:
                return container.with_rest(args.positional[1])
            present = any(name == key for name, _ in container.items)
            return container if present else container.with_item(key, args.positional[1])
        if method == "clear":
            return DictValue(())
        return None
    return None


def stored(container: Value, key: Value, value: Value) -> Value | None:
    """`container[key] = value`; None when the container is no longer known."""
    if isinstance(container, DictValue):
        text = text_of(key)
        return container.with_item(text, value) if text is not None else container.with_rest(value)
    if isinstance(container, (TupleValue, ListOf)):
        return ListOf(join_all(list(items_of(container) or ()) + [value]))
    return None


def dict_method(container: DictValue, method: str, args: "Args") -> Value | None:
    """`d.items()`, `d.values()`, `d.get(key)`: what they give, or None for other methods."""
    values = [value for _, value in container.items]
    if method == "values":
        return ListOf(container.any_value()) if container.rest is not None else TupleValue(tuple(values))
    if method == "items":
        if container.rest is not None:
            return ListOf(TupleValue((UNKNOWN, container.any_value())))
        return TupleValue(tuple(TupleValue((StrValue(key) if isinstance(key, str) else UNKNOWN, value))
                                for key, value in container.items))
    if method == "keys":
        if container.rest is not None:
            return ListOf(UNKNOWN)
        return TupleValue(tuple(StrValue(key) if isinstance(key, str) else UNKNOWN for key, _ in container.items))
    if method == "get" and args.positional:
        key = text_of(args.positional[0])
        found = container.get(key) if key is not None else container.any_value()
        default = args.get(1, "default")
        return found if default is None else join(found, default)
    return None


def builtin_call(name: str, args: "Args") -> Value | None:
    """What a builtin gives for the containers it is passed, or None when it says nothing."""
    first = args.positional[0] if args.positional and not args.starred else None
    if name in ("list", "tuple", "iter") and first is not None and items_of(first) is not None:
        return first
    if name in ("reversed", "sorted") and first is not None and items_of(first) is not None:
        return ListOf(join_all(list(items_of(first) or ())))
    if name == "enumerate" and first is not None and items_of(first) is not None:
        if isinstance(first, TupleValue):  # the items one by one, as a loop over them sees them
            return TupleValue(tuple(TupleValue((UNKNOWN, item)) for item in first.items))
        return ListOf(TupleValue((UNKNOWN, member(first)[0])))
    if name == "zip" and args.positional and not args.starred:
        if all(isinstance(value, TupleValue) for value in args.positional) \
                and len({len(value.items) for value in args.positional}) == 1:
            return TupleValue(tuple(TupleValue(items) for items in zip(*(value.items for value in args.positional))))
        members = [member(value)[0] if items_of(value) is not None else UNKNOWN for value in args.positional]
        return ListOf(TupleValue(tuple(members)))
    if name == "dict" and not args.starred:
        if first is not None and isinstance(first, DictValue):
            result = first
        elif first is None:
            result = DictValue(())
        else:
            return None
        for key, value in args.keywords.items():
            result = result.with_item(key, value)
        return result
    return None
