import marshal

def restore(blob):
    return marshal.loads(blob)
