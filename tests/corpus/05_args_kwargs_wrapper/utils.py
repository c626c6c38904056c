import time


def timed(fn, *args, **kwargs):
    start = time.time()
    result = fn(*args, **kwargs)
    print(f"{fn.__name__} took {time.time() - start:.1f}s")
    return result


def with_logging(*args, **kwargs):
    print("starting training run")
    return timed(*args, **kwargs)
