def clamp(x, lo, hi):
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x


def mean(xs):
    if not xs:
        raise ValueError("empty")
    return sum(xs) / len(xs)


def unused(a):
    for i in range(a):
        if i % 2:
            print(i)
    return a
