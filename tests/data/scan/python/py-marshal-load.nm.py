import marshal

def save(code):
    return marshal.dumps(code)
